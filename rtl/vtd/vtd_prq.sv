// Intel VT-d page request queue with automatic PRG responses, the DEC-5 page-request-enable
// table, primary fault recording, and a descriptor input for page_grp_resp_dsc / inv_wait_dsc.
//
// Contract: rtl/README.md, section "vtd/vtd_prq.sv" (every latency and ordering choice below is
// written there). Rule IDs point to ../shared/spec/: VTD-PRQ-n, VTD-IQ-n, VTD-FLT-n, PRI-n,
// DEC-n, OP-n.
//
// Structure:
//   pr_* --> ingress FIFO --> decision (rows a-d) --+--> write engine --> mw_* / mwack_*
//                               |                   |        ^  (descriptors, status writes, MSIs)
//                               +--> fault records  +--> automatic-response FIFO --+
//   iq_* --> descriptor unit --> software-response FIFO ---------------------------+--> egress --> rsp_*
//                            --> wait (drain, status write, IWC)
// Every output is a register or a function of registers (no input-to-output path).
module vtd_prq #(
    parameter int ING_DEPTH   = 4,
    parameter int AUTO_DEPTH  = 4,
    parameter int SW_DEPTH    = 2,
    parameter int NR          = 4,   // fault recording registers, 1..64 (OP-12)
    parameter int PRE_ENTRIES = 8    // page-request-enable table entries, 1..64 (OP-20)
) (
    input  logic         clk,
    input  logic         rst_n,

    // Page-request ingress
    input  logic         pr_valid,
    output logic         pr_ready,
    input  logic [15:0]  pr_rid,
    input  logic         pr_pv,
    input  logic [19:0]  pr_pasid,
    input  logic         pr_exe,
    input  logic         pr_priv,
    input  logic         pr_r,
    input  logic         pr_w,
    input  logic         pr_l,
    input  logic [8:0]   pr_prgi,
    input  logic [51:0]  pr_addr,

    // PRG-response egress
    output logic         rsp_valid,
    input  logic         rsp_ready,
    output logic [15:0]  rsp_rid,
    output logic         rsp_pv,
    output logic [19:0]  rsp_pasid,
    output logic [8:0]   rsp_prgi,
    output logic [3:0]   rsp_code,

    // Memory writes: descriptors, status writes, MSIs (OP-7)
    output logic         mw_valid,
    input  logic         mw_ready,
    output logic [1:0]   mw_kind,
    output logic [47:0]  mw_addr,
    output logic [255:0] mw_data,
    input  logic         mwack_valid,
    output logic         mwack_ready,

    // Register access
    input  logic         reg_valid,
    output logic         reg_ready,
    input  logic         reg_write,
    input  logic [11:0]  reg_addr,
    input  logic [63:0]  reg_wdata,
    output logic         reg_rvalid,
    output logic [63:0]  reg_rdata,

    // Invalidation descriptors (256-bit format)
    input  logic         iq_valid,
    output logic         iq_ready,
    input  logic [63:0]  iq_qw0,
    input  logic [63:0]  iq_qw1,
    input  logic [63:0]  iq_qw2,
    input  logic [63:0]  iq_qw3
);

    // ---------------------------------------------------------------------------------------
    // Types and constants
    // ---------------------------------------------------------------------------------------

    typedef struct packed {
        logic [15:0] rid;
        logic        pv;
        logic [19:0] pasid;
        logic        exe;
        logic        priv;
        logic        r;
        logic        w;
        logic        l;
        logic [8:0]  prgi;
        logic [51:0] addr;
    } msg_t;

    typedef struct packed {
        logic [15:0] rid;
        logic        pv;
        logic [19:0] pasid;
        logic [8:0]  prgi;
        logic [3:0]  code;
    } rsp_t;

    typedef enum logic [1:0] {
        ENG_IDLE     = 2'd0,
        ENG_WRITE    = 2'd1,
        ENG_WAIT_ACK = 2'd2
    } eng_state_t;

    localparam logic [1:0] KIND_DESC   = 2'd0;
    localparam logic [1:0] KIND_STATUS = 2'd1;
    localparam logic [1:0] KIND_MSI    = 2'd2;

    localparam logic [3:0] CODE_SUCCESS = 4'h0;
    localparam logic [3:0] CODE_INVALID = 4'h1;

    localparam logic [11:0] A_CAP     = 12'h008;
    localparam logic [11:0] A_ECAP    = 12'h010;
    localparam logic [11:0] A_FSTS    = 12'h034;
    localparam logic [11:0] A_FECTL   = 12'h038;
    localparam logic [11:0] A_FEDATA  = 12'h03C;
    localparam logic [11:0] A_FEADDR  = 12'h040;
    localparam logic [11:0] A_FEUADDR = 12'h044;
    localparam logic [11:0] A_ICS     = 12'h09C;
    localparam logic [11:0] A_IECTL   = 12'h0A0;
    localparam logic [11:0] A_IEDATA  = 12'h0A4;
    localparam logic [11:0] A_IEADDR  = 12'h0A8;
    localparam logic [11:0] A_IEUADDR = 12'h0AC;
    localparam logic [11:0] A_PQH     = 12'h0C0;
    localparam logic [11:0] A_PQT     = 12'h0C8;
    localparam logic [11:0] A_PQA     = 12'h0D0;
    localparam logic [11:0] A_PRS     = 12'h0DC;
    localparam logic [11:0] A_PECTL   = 12'h0E0;
    localparam logic [11:0] A_PEDATA  = 12'h0E4;
    localparam logic [11:0] A_PEADDR  = 12'h0E8;
    localparam logic [11:0] A_PEUADDR = 12'h0EC;
    localparam int          FRCD_BASE = 'h200;   // CAP.FRO = 0x20 (OP-12)
    localparam int          PRE_BASE  = 'h800;   // OP-20

    localparam logic [9:0]  CAP_FRO = 10'(FRCD_BASE / 16);
    localparam logic [7:0]  CAP_NFR = 8'(NR - 1);
    localparam logic [63:0] CAP_VAL  = {16'h0, CAP_NFR, 6'h0, CAP_FRO, 24'h0};
    localparam logic [63:0] ECAP_VAL = 64'h0000_0D00_2000_0000;   // SMTS, PDS, PASID, PRS

    localparam logic [7:0] FR_PRQ_DISABLED = 8'h47;   // Table 30 SCT.8 (VTD-FLT-3)

    localparam int IDX_W = (NR > 1) ? $clog2(NR) : 1;
    localparam int PRE_W = (PRE_ENTRIES > 1) ? $clog2(PRE_ENTRIES) : 1;
    localparam int ING_CNT_W = $clog2(ING_DEPTH + 1);
    localparam logic [IDX_W-1:0] LAST_IDX = IDX_W'(NR - 1);

    if (NR < 1 || NR > 64) begin : g_bad_nr
        $error("vtd_prq: NR must be in 1..64");
    end
    if (PRE_ENTRIES < 1 || PRE_ENTRIES > 64) begin : g_bad_pre
        $error("vtd_prq: PRE_ENTRIES must be in 1..64");
    end

    // Stop Marker = PV=1, L=1, R=W=0 (DEC-1, PRI-2); "LPIG=1 request" = L=1 and not a Stop Marker.
    function automatic logic is_l1_request(input logic pv, input logic l, input logic r,
                                           input logic w);
        return l && !(pv && !r && !w);
    endfunction

    // page_req_dsc encoding (vtd.md §3, VTD-PRQ-4, DEC-9: PDP=0, QW2-QW3 zero).
    function automatic logic [255:0] page_req_dsc(input msg_t m);
        logic [63:0] qw0, qw1;
        qw0 = {10'b0, m.priv & m.pv, m.exe & m.pv, m.pasid & {20{m.pv}}, m.rid, 6'b0, 1'b0,
               m.pv, 8'h01};
        qw1 = {m.addr, m.prgi, m.l, m.w, m.r};
        return {128'b0, qw1, qw0};
    endfunction

    // ---------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------

    // Queue registers (VTD-PRQ-1, -2)
    logic [13:0]  pqh_q, pqt_q;          // byte offset bits [18:5]
    logic [47:12] pqa_q;                 // OP-19: 48-bit
    logic [2:0]   pqs_q;
    logic         ppr_q, pro_q;          // PRS_REG

    // Event register groups: RsvdP bits, data, address, upper address
    logic [29:0]  pectl_rsvd_q, fectl_rsvd_q, iectl_rsvd_q;
    logic [15:0]  pedata_q, fedata_q, iedata_q;
    logic [31:2]  peaddr_q, feaddr_q, ieaddr_q;
    logic [31:0]  peuaddr_q, feuaddr_q, ieuaddr_q;
    logic         pe_msi_q, fe_msi_q, ie_msi_q;   // MSI pending flags

    // Fault recording (VTD-FLT-*)
    logic         pfo_q, iqe_q;
    logic [7:0]   fri_q;
    logic [IDX_W-1:0] idx_q;
    logic [NR-1:0] rec_f_q, rec_w_q;     // F bit; record ever written (FR/T2 read 0 until then)
    logic [15:0]  rec_sid_q   [NR];
    logic         rec_pp_q    [NR];
    logic [19:0]  rec_pasid_q [NR];
    logic         rec_exe_q   [NR];
    logic         rec_priv_q  [NR];
    logic [51:0]  rec_fi_q    [NR];

    // PRE table (DEC-5, OP-20)
    logic [15:0]  pre_rid_q [PRE_ENTRIES];
    logic [PRE_ENTRIES-1:0] pre_en_q;

    // Invalidation completion
    logic         iwc_q;
    logic         wait_active_q, wait_if_q, wait_sw_q, wait_pd_q;
    logic [ING_CNT_W-1:0] drain_q;
    logic         status_pend_q;
    logic [47:0]  status_addr_q;
    logic [31:0]  status_data_q;

    // Write engine
    eng_state_t   eng_state_q;
    logic [1:0]   eng_kind_q;
    logic         eng_pe_q, eng_fe_q;    // the kind-2 job is the PE / FE unit's MSI
    logic [47:0]  mw_addr_q;
    logic [255:0] mw_data_q;

    // Register reads
    logic         rd_pend_q;
    logic [11:0]  rd_addr_q;
    logic         reg_rvalid_q;
    logic [63:0]  reg_rdata_q;

    // ---------------------------------------------------------------------------------------
    // Register port decode (a handshake needs reg_ready)
    // ---------------------------------------------------------------------------------------

    assign reg_ready = !rd_pend_q;
    wire reg_wr = reg_valid && reg_ready && reg_write;
    wire reg_rd = reg_valid && reg_ready && !reg_write;

    function automatic logic wr_at(input logic [11:0] a);
        return reg_wr && (reg_addr == a);
    endfunction

    // FRCD window: 16-byte records at FRCD_BASE, 32-bit aligned accesses.
    wire        frcd_hit = (int'(reg_addr) >= FRCD_BASE) && (int'(reg_addr) < FRCD_BASE + 16 * NR)
                           && (reg_addr[1:0] == 2'b00);
    wire [11:0] frcd_rel = reg_addr - 12'(FRCD_BASE);
    wire [IDX_W-1:0] frcd_i = IDX_W'(frcd_rel[11:4]);
    // F (bit 127) is W1C through +8 (wdata[63]) or +C (wdata[31]) (VTD-FLT-5).
    wire        frcd_f_clr = reg_wr && frcd_hit &&
                             ((frcd_rel[3:2] == 2'd2 && reg_wdata[63]) ||
                              (frcd_rel[3:2] == 2'd3 && reg_wdata[31]));

    // PRE window: 8-byte entries at PRE_BASE.
    wire        pre_hit = (int'(reg_addr) >= PRE_BASE) && (int'(reg_addr) < PRE_BASE + 8 * PRE_ENTRIES)
                          && (reg_addr[2:0] == 3'b000);
    wire [11:0] pre_rel = reg_addr - 12'(PRE_BASE);
    wire [PRE_W-1:0] pre_j = PRE_W'(pre_rel[11:3]);
    wire        pre_wr = reg_wr && pre_hit;

    // ---------------------------------------------------------------------------------------
    // Effective values (OP-15: a write at this edge takes effect before hardware actions)
    // ---------------------------------------------------------------------------------------

    wire [13:0]  pqh_sw = wr_at(A_PQH) ? reg_wdata[18:5]  : pqh_q;
    wire [13:0]  pqt_sw = wr_at(A_PQT) ? reg_wdata[18:5]  : pqt_q;
    wire [47:12] pqa_sw = wr_at(A_PQA) ? reg_wdata[47:12] : pqa_q;
    wire [2:0]   pqs_sw = wr_at(A_PQA) ? reg_wdata[2:0]   : pqs_q;
    // VTD-PRQ-12: W1C.
    wire ppr_sw = ppr_q && !(wr_at(A_PRS) && reg_wdata[0]);
    wire pro_sw = pro_q && !(wr_at(A_PRS) && reg_wdata[1]);
    // VTD-FLT-1, -5: W1C.
    wire pfo_sw = pfo_q && !(wr_at(A_FSTS) && reg_wdata[0]);
    wire iqe_sw = iqe_q && !(wr_at(A_FSTS) && reg_wdata[4]);
    wire iwc_sw = iwc_q && !(wr_at(A_ICS) && reg_wdata[0]);   // VTD-IQ-8

    logic [NR-1:0] f_sw;
    always_comb begin
        f_sw = rec_f_q;
        if (frcd_f_clr) f_sw[frcd_i] = 1'b0;
    end
    wire ppf_sw = |f_sw;

    // DEC-5: RID enabled iff an entry with PRE=1 holds it (after this edge's table write).
    logic [15:0] pre_rid_sw [PRE_ENTRIES];
    logic [PRE_ENTRIES-1:0] pre_en_sw;
    always_comb begin
        for (int j = 0; j < PRE_ENTRIES; j++) begin
            pre_rid_sw[j] = pre_rid_q[j];
            pre_en_sw[j]  = pre_en_q[j];
        end
        if (pre_wr) begin
            pre_rid_sw[pre_j] = reg_wdata[15:0];
            pre_en_sw[pre_j]  = reg_wdata[16];
        end
    end

    // ---------------------------------------------------------------------------------------
    // Ingress FIFO (PRI-31: decided and written one at a time in arrival order)
    // ---------------------------------------------------------------------------------------

    msg_t ing_in, ing_head;
    logic ing_empty, ing_full, ing_pop;
    logic [ING_CNT_W-1:0] ing_count;

    assign ing_in = '{rid: pr_rid, pv: pr_pv, pasid: pr_pasid, exe: pr_exe, priv: pr_priv,
                      r: pr_r, w: pr_w, l: pr_l, prgi: pr_prgi, addr: pr_addr};
    assign pr_ready = !ing_full;
    wire ing_push = pr_valid && !ing_full;

    sync_fifo #(.WIDTH($bits(msg_t)), .DEPTH(ING_DEPTH)) u_ing_fifo (
        .clk, .rst_n,
        .push      (ing_push),
        .push_data (ing_in),
        .pop       (ing_pop),
        .head      (ing_head),
        .empty     (ing_empty),
        .full      (ing_full),
        .count     (ing_count)
    );

    // ---------------------------------------------------------------------------------------
    // Queue geometry (VTD-PRQ-1..3, OP-11: offsets modulo 32N)
    // ---------------------------------------------------------------------------------------

    wire [13:0] q_mask    = 14'h3FFF >> (3'd7 - pqs_sw);   // N-1, N = 2^(PQS+7)
    wire [13:0] pqt_idx   = pqt_sw & q_mask;
    wire [13:0] pqh_idx   = pqh_sw & q_mask;
    wire [13:0] pqt_next  = (pqt_idx + 14'd1) & q_mask;
    wire        q_full    = (pqt_next == pqh_idx);
    wire [47:0] entry_addr = {pqa_sw, 12'h000} + {29'b0, pqt_idx, 5'b0};

    // ---------------------------------------------------------------------------------------
    // Write-engine job selection and decision unit (rows a-d, vtd.md §4)
    // ---------------------------------------------------------------------------------------

    logic auto_full, auto_empty, sw_full, sw_empty;

    wire eng_idle      = (eng_state_q == ENG_IDLE);
    wire eng_hold_desc = !eng_idle && (eng_kind_q == KIND_DESC);
    wire job_status = eng_idle && status_pend_q;
    wire job_pe     = eng_idle && !status_pend_q && pe_msi_q;
    wire job_fe     = eng_idle && !status_pend_q && !pe_msi_q && fe_msi_q;
    wire job_ie     = eng_idle && !status_pend_q && !pe_msi_q && !fe_msi_q && ie_msi_q;
    wire decide     = eng_idle && !status_pend_q && !pe_msi_q && !fe_msi_q && !ie_msi_q
                      && !ing_empty && !auto_full;
    assign ing_pop = decide;

    logic rid_enabled;
    always_comb begin
        rid_enabled = 1'b0;
        for (int j = 0; j < PRE_ENTRIES; j++)
            if (pre_en_sw[j] && pre_rid_sw[j] == ing_head.rid) rid_enabled = 1'b1;
    end

    wire row_a = !rid_enabled;                           // VTD-PRQ-5, DEC-5: before PRO and full
    wire row_b = !row_a && pro_sw;                       // VTD-PRQ-6, -9
    wire row_c = !row_a && !row_b && q_full;             // VTD-PRQ-7
    wire row_d = !row_a && !row_b && !row_c;             // VTD-PRQ-8
    wire head_l1_req = is_l1_request(ing_head.pv, ing_head.l, ing_head.r, ing_head.w);

    // ---------------------------------------------------------------------------------------
    // Write engine: IDLE -> WRITE -> WAIT_ACK -> IDLE
    // ---------------------------------------------------------------------------------------

    assign mw_valid    = (eng_state_q == ENG_WRITE);
    assign mw_kind     = eng_kind_q;
    assign mw_addr     = mw_addr_q;
    assign mw_data     = mw_data_q;
    assign mwack_ready = (eng_state_q == ENG_WAIT_ACK);

    wire mw_fire    = mw_valid && mw_ready;
    wire mwack_fire = mwack_valid && mwack_ready;
    wire desc_ack   = mwack_fire && (eng_kind_q == KIND_DESC);   // VTD-PRQ-8: PQT after ack

    // An event MSI issued on the memory port (its mw handshake done) and not yet acknowledged.
    wire pe_msi_in_flight = (eng_state_q == ENG_WAIT_ACK) && (eng_kind_q == KIND_MSI) && eng_pe_q;
    wire fe_msi_in_flight = (eng_state_q == ENG_WAIT_ACK) && (eng_kind_q == KIND_MSI) && eng_fe_q;

    // ---------------------------------------------------------------------------------------
    // Fault recording (VTD-FLT-3, -4; OP-12 no compression; OP-13 record first)
    // ---------------------------------------------------------------------------------------

    wire fault     = decide && row_a;
    wire pfo_set   = fault && !pfo_sw && f_sw[idx_q];
    wire rec_write = fault && !pfo_sw && !f_sw[idx_q];

    // ---------------------------------------------------------------------------------------
    // Descriptor unit (VTD-IQ-*)
    // ---------------------------------------------------------------------------------------

    assign iq_ready = !iqe_q && !wait_active_q && !status_pend_q && !sw_full;
    wire iq_fire = iq_valid && iq_ready;

    wire [6:0] iq_type = {iq_qw0[11:9], iq_qw0[3:0]};
    // VTD-IQ-4, DEC-8, DEC-9: page_grp_resp_dsc reserved bits (bit 66 = qw1[2] ignored).
    wire resp_dsc_ok = (iq_type == 7'h09) && ~|iq_qw0[8:5] && ~|iq_qw0[63:52] && ~|iq_qw1[1:0]
                       && ~|iq_qw1[63:12] && ~|iq_qw2 && ~|iq_qw3;
    // VTD-IQ-6: inv_wait_dsc reserved bits 8, 31:12, 65:64, 255:128 (PD legal: ECAP.PDS=1).
    wire wait_dsc_ok = (iq_type == 7'h05) && !iq_qw0[8] && ~|iq_qw0[31:12] && ~|iq_qw1[1:0]
                       && ~|iq_qw2 && ~|iq_qw3;
    // OP-10: other defined types complete at once with no effect.
    wire noop_dsc = (iq_type >= 7'h01 && iq_type <= 7'h04) || (iq_type >= 7'h06 && iq_type <= 7'h08);

    wire sw_push   = iq_fire && resp_dsc_ok;                       // VTD-IQ-3
    wire wait_take = iq_fire && wait_dsc_ok;
    wire iqe_set   = iq_fire && !resp_dsc_ok && !wait_dsc_ok && !noop_dsc;   // VTD-IQ-2

    // VTD-IQ-7, -10, DEC-10: completion of the active wait.
    wire drain_done = ~|drain_q && !eng_hold_desc && auto_empty;
    wire wait_done  = wait_active_q && sw_empty && (!wait_pd_q || drain_done);

    // DEC-10: messages in the ingress FIFO after this edge (handshake at this edge included).
    wire [ING_CNT_W-1:0] ing_count_next = ing_count + ING_CNT_W'(ing_push) - ING_CNT_W'(ing_pop);

    // ---------------------------------------------------------------------------------------
    // Event units (VTD-PRQ-13, -14; VTD-FLT-6; VTD-IQ-8)
    // ---------------------------------------------------------------------------------------

    wire ppr_d = ppr_sw || desc_ack;                      // VTD-PRQ-8, -11
    wire pro_d = pro_sw || (decide && row_c);             // VTD-PRQ-7
    wire pe_cond = (desc_ack || (decide && row_c)) && !ppr_sw && !pro_sw;

    wire ppf_d = ppf_sw || rec_write;
    wire pfo_d = pfo_sw || pfo_set;
    wire iqe_d = iqe_sw || iqe_set;
    wire fe_cond = (rec_write || iqe_set) && !ppf_sw && !pfo_sw && !iqe_sw;

    wire iwc_set = wait_done && wait_if_q;
    wire iwc_d   = iwc_sw || iwc_set;
    wire ie_cond = iwc_set && !iwc_sw;

    logic pe_im, pe_ip, pe_msi, fe_im, fe_ip, fe_msi, ie_im, ie_ip, ie_msi;

    evt_ctl u_pe (.clk, .rst_n, .im_wr(wr_at(A_PECTL)), .im_wdata(reg_wdata[31]), .cond(pe_cond),
                  .srcs_clear(!ppr_d && !pro_d), .im(pe_im), .ip(pe_ip), .msi(pe_msi));
    evt_ctl u_fe (.clk, .rst_n, .im_wr(wr_at(A_FECTL)), .im_wdata(reg_wdata[31]), .cond(fe_cond),
                  .srcs_clear(!ppf_d && !pfo_d && !iqe_d), .im(fe_im), .ip(fe_ip), .msi(fe_msi));
    evt_ctl u_ie (.clk, .rst_n, .im_wr(wr_at(A_IECTL)), .im_wdata(reg_wdata[31]), .cond(ie_cond),
                  .srcs_clear(!iwc_d), .im(ie_im), .ip(ie_ip), .msi(ie_msi));

    // ---------------------------------------------------------------------------------------
    // Automatic responses (VTD-PRQ-5..7, -17; DEC-6, DEC-7, DEC-13)
    // ---------------------------------------------------------------------------------------

    wire  auto_push = decide && head_l1_req && !row_d;
    rsp_t auto_in, auto_head, sw_in, sw_head, egress;
    logic auto_pop, sw_pop;
    logic [$clog2(AUTO_DEPTH+1)-1:0] auto_count_unused;
    logic [$clog2(SW_DEPTH+1)-1:0]   sw_count_unused;

    assign auto_in = '{rid: ing_head.rid, pv: ing_head.pv,
                       pasid: ing_head.pasid & {20{ing_head.pv}}, prgi: ing_head.prgi,
                       code: row_a ? CODE_INVALID : CODE_SUCCESS};

    sync_fifo #(.WIDTH($bits(rsp_t)), .DEPTH(AUTO_DEPTH)) u_auto_fifo (
        .clk, .rst_n,
        .push      (auto_push),
        .push_data (auto_in),
        .pop       (auto_pop),
        .head      (auto_head),
        .empty     (auto_empty),
        .full      (auto_full),
        .count     (auto_count_unused)
    );

    // VTD-IQ-3, DEC-8: code verbatim; PASID iff PP.
    assign sw_in = '{rid: iq_qw0[31:16], pv: iq_qw0[4], pasid: iq_qw0[51:32] & {20{iq_qw0[4]}},
                     prgi: iq_qw1[11:3], code: iq_qw0[15:12]};

    sync_fifo #(.WIDTH($bits(rsp_t)), .DEPTH(SW_DEPTH)) u_sw_fifo (
        .clk, .rst_n,
        .push      (sw_push),
        .push_data (sw_in),
        .pop       (sw_pop),
        .head      (sw_head),
        .empty     (sw_empty),
        .full      (sw_full),
        .count     (sw_count_unused)
    );

    // DEC-12, OP-16: automatic first (VTD-PRQ-17, VTD-IQ-5).
    rsp_arbiter #(.WIDTH($bits(rsp_t))) u_egress (
        .clk, .rst_n,
        .hi_valid  (!auto_empty),
        .hi_data   (auto_head),
        .hi_pop    (auto_pop),
        .lo_valid  (!sw_empty),
        .lo_data   (sw_head),
        .lo_pop    (sw_pop),
        .out_valid (rsp_valid),
        .out_data  (egress),
        .out_ready (rsp_ready)
    );

    assign rsp_rid   = egress.rid;
    assign rsp_pv    = egress.pv;
    assign rsp_pasid = egress.pasid;
    assign rsp_prgi  = egress.prgi;
    assign rsp_code  = egress.code;

    // ---------------------------------------------------------------------------------------
    // Register read data (value before the answering edge)
    // ---------------------------------------------------------------------------------------

    function automatic logic [127:0] frcd_value(input logic [IDX_W-1:0] i);
        logic w;
        w = rec_w_q[i];
        // F, T1=0, AT=0, PV, FR, PP, EXE, PRIV, T2 (OP-14), SID, FI (VTD-FLT-2, -3).
        return {rec_f_q[i], 1'b0, 2'b00, rec_pasid_q[i], w ? FR_PRQ_DISABLED : 8'h00,
                rec_pp_q[i], rec_exe_q[i], rec_priv_q[i], w, 12'h000, rec_sid_q[i],
                rec_fi_q[i], 12'h000};
    endfunction

    function automatic logic ppf_q();
        return |rec_f_q;   // VTD-FLT-1: PPF = OR of all F
    endfunction

    // A read is answered at the first edge where, before it, the engine does not hold it:
    // VTD-PRQ-16: no read while a descriptor write is in flight (WRITE or WAIT_ACK);
    // VTD-PRQ-20: no read of PRS, PQT or PECTL while a PE MSI issued earlier awaits its ack;
    // VTD-FLT-8:  no read of FSTS or FECTL while an FE MSI issued earlier awaits its ack.
    // An MSI still pending or in WRITE is not pushed (rtl/README.md "Reads").
    wire [11:0] rd_answer_addr = rd_pend_q ? rd_addr_q : reg_addr;
    wire        rd_pe_class    = (rd_answer_addr == A_PRS) || (rd_answer_addr == A_PQT)
                                 || (rd_answer_addr == A_PECTL);
    wire        rd_fe_class    = (rd_answer_addr == A_FSTS) || (rd_answer_addr == A_FECTL);
    wire        rd_push_pe     = pe_msi_in_flight && rd_pe_class;   // VTD-PRQ-20
    wire        rd_push_fe     = fe_msi_in_flight && rd_fe_class;   // VTD-FLT-8
    wire        rd_hold        = eng_hold_desc || rd_push_pe || rd_push_fe;
    wire        rd_answer      = (reg_rd || rd_pend_q) && !rd_hold;

    wire [11:0] rd_frcd_rel = rd_answer_addr - 12'(FRCD_BASE);
    wire [11:0] rd_pre_rel  = rd_answer_addr - 12'(PRE_BASE);
    wire        rd_frcd_hit = (int'(rd_answer_addr) >= FRCD_BASE)
                              && (int'(rd_answer_addr) < FRCD_BASE + 16 * NR)
                              && (rd_answer_addr[1:0] == 2'b00);
    wire        rd_pre_hit  = (int'(rd_answer_addr) >= PRE_BASE)
                              && (int'(rd_answer_addr) < PRE_BASE + 8 * PRE_ENTRIES)
                              && (rd_answer_addr[2:0] == 3'b000);
    wire [IDX_W-1:0] rd_frcd_i = IDX_W'(rd_frcd_rel[11:4]);
    wire [PRE_W-1:0] rd_pre_j  = PRE_W'(rd_pre_rel[11:3]);
    wire [127:0]     rd_rec    = frcd_value(rd_frcd_i);

    logic [63:0] rd_value;
    always_comb begin
        rd_value = 64'h0;
        case (rd_answer_addr)
            A_CAP:     rd_value = CAP_VAL;
            A_ECAP:    rd_value = ECAP_VAL;
            A_FSTS:    rd_value = {48'h0, fri_q, 3'b000, iqe_q, 2'b00, ppf_q(), pfo_q};
            A_FECTL:   rd_value = {32'h0, fe_im, fe_ip, fectl_rsvd_q};
            A_FEDATA:  rd_value = {48'h0, fedata_q};
            A_FEADDR:  rd_value = {32'h0, feaddr_q, 2'b00};
            A_FEUADDR: rd_value = {32'h0, feuaddr_q};
            A_ICS:     rd_value = {63'h0, iwc_q};
            A_IECTL:   rd_value = {32'h0, ie_im, ie_ip, iectl_rsvd_q};
            A_IEDATA:  rd_value = {48'h0, iedata_q};
            A_IEADDR:  rd_value = {32'h0, ieaddr_q, 2'b00};
            A_IEUADDR: rd_value = {32'h0, ieuaddr_q};
            A_PQH:     rd_value = {45'h0, pqh_q, 5'h0};
            A_PQT:     rd_value = {45'h0, pqt_q, 5'h0};
            A_PQA:     rd_value = {16'h0, pqa_q, 9'h0, pqs_q};
            A_PRS:     rd_value = {62'h0, pro_q, ppr_q};
            A_PECTL:   rd_value = {32'h0, pe_im, pe_ip, pectl_rsvd_q};
            A_PEDATA:  rd_value = {48'h0, pedata_q};
            A_PEADDR:  rd_value = {32'h0, peaddr_q, 2'b00};
            A_PEUADDR: rd_value = {32'h0, peuaddr_q};
            default: begin
                // FRCD: +0 [63:0], +4 [95:32], +8 [127:64], +C [127:96].
                if (rd_frcd_hit)     rd_value = 64'(rd_rec >> (32 * int'(rd_frcd_rel[3:2])));
                else if (rd_pre_hit) rd_value = {47'h0, pre_en_q[rd_pre_j], pre_rid_q[rd_pre_j]};
            end
        endcase
    end

    // ---------------------------------------------------------------------------------------
    // Sequential state
    // ---------------------------------------------------------------------------------------

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            // OP-18: 0 (the IM bits live in evt_ctl and reset to 1).
            pqh_q <= '0; pqt_q <= '0; pqa_q <= '0; pqs_q <= '0;
            ppr_q <= 1'b0; pro_q <= 1'b0;
            pectl_rsvd_q <= '0; fectl_rsvd_q <= '0; iectl_rsvd_q <= '0;
            pedata_q <= '0; fedata_q <= '0; iedata_q <= '0;
            peaddr_q <= '0; feaddr_q <= '0; ieaddr_q <= '0;
            peuaddr_q <= '0; feuaddr_q <= '0; ieuaddr_q <= '0;
            pe_msi_q <= 1'b0; fe_msi_q <= 1'b0; ie_msi_q <= 1'b0;
            pfo_q <= 1'b0; iqe_q <= 1'b0; fri_q <= '0; idx_q <= '0;
            rec_f_q <= '0; rec_w_q <= '0;
            for (int i = 0; i < NR; i++) begin
                rec_sid_q[i] <= '0; rec_pp_q[i] <= 1'b0; rec_pasid_q[i] <= '0;
                rec_exe_q[i] <= 1'b0; rec_priv_q[i] <= 1'b0; rec_fi_q[i] <= '0;
            end
            for (int j = 0; j < PRE_ENTRIES; j++) pre_rid_q[j] <= '0;
            pre_en_q <= '0;
            iwc_q <= 1'b0;
            wait_active_q <= 1'b0; wait_if_q <= 1'b0; wait_sw_q <= 1'b0; wait_pd_q <= 1'b0;
            drain_q <= '0;
            status_pend_q <= 1'b0; status_addr_q <= '0; status_data_q <= '0;
            eng_state_q <= ENG_IDLE; eng_kind_q <= KIND_DESC;
            eng_pe_q <= 1'b0; eng_fe_q <= 1'b0;
            mw_addr_q <= '0; mw_data_q <= '0;
            rd_pend_q <= 1'b0; rd_addr_q <= '0; reg_rvalid_q <= 1'b0; reg_rdata_q <= '0;
        end else begin
            // ---- software register writes (plain RW registers) ----
            if (wr_at(A_FECTL))   fectl_rsvd_q <= reg_wdata[29:0];
            if (wr_at(A_FEDATA))  fedata_q     <= reg_wdata[15:0];
            if (wr_at(A_FEADDR))  feaddr_q     <= reg_wdata[31:2];
            if (wr_at(A_FEUADDR)) feuaddr_q    <= reg_wdata[31:0];
            if (wr_at(A_IECTL))   iectl_rsvd_q <= reg_wdata[29:0];
            if (wr_at(A_IEDATA))  iedata_q     <= reg_wdata[15:0];
            if (wr_at(A_IEADDR))  ieaddr_q     <= reg_wdata[31:2];
            if (wr_at(A_IEUADDR)) ieuaddr_q    <= reg_wdata[31:0];
            if (wr_at(A_PECTL))   pectl_rsvd_q <= reg_wdata[29:0];   // VTD-PRQ-15: RsvdP kept
            if (wr_at(A_PEDATA))  pedata_q     <= reg_wdata[15:0];
            if (wr_at(A_PEADDR))  peaddr_q     <= reg_wdata[31:2];
            if (wr_at(A_PEUADDR)) peuaddr_q    <= reg_wdata[31:0];
            pqh_q <= pqh_sw;
            pqa_q <= pqa_sw;
            pqs_q <= pqs_sw;
            for (int j = 0; j < PRE_ENTRIES; j++) pre_rid_q[j] <= pre_rid_sw[j];   // VTD-PRQ-19
            pre_en_q <= pre_en_sw;

            // ---- PRQ flags and tail (VTD-PRQ-8, -11, -12) ----
            ppr_q <= ppr_d;
            pro_q <= pro_d;
            pqt_q <= desc_ack ? pqt_next : pqt_sw;   // VTD-PRQ-2, -8: advance after the ack

            // ---- fault recording (VTD-FLT-4) ----
            pfo_q   <= pfo_d;
            iqe_q   <= iqe_d;
            rec_f_q <= f_sw;
            if (rec_write) begin
                rec_f_q[idx_q]     <= 1'b1;
                rec_w_q[idx_q]     <= 1'b1;
                rec_sid_q[idx_q]   <= ing_head.rid;
                rec_pp_q[idx_q]    <= ing_head.pv;
                rec_pasid_q[idx_q] <= ing_head.pasid & {20{ing_head.pv}};
                rec_exe_q[idx_q]   <= ing_head.exe & ing_head.pv;
                rec_priv_q[idx_q]  <= ing_head.priv & ing_head.pv;
                rec_fi_q[idx_q]    <= ing_head.addr;
                if (!ppf_sw) fri_q <= 8'(idx_q);
                idx_q <= (idx_q == LAST_IDX) ? '0 : idx_q + 1'b1;
            end

            // ---- MSI pending flags (a trigger while pending is merged) ----
            pe_msi_q <= (pe_msi_q && !job_pe) || pe_msi;
            fe_msi_q <= (fe_msi_q && !job_fe) || fe_msi;
            ie_msi_q <= (ie_msi_q && !job_ie) || ie_msi;

            // ---- descriptor unit and wait (VTD-IQ-*, DEC-10) ----
            iwc_q <= iwc_d;
            if (wait_take) begin
                wait_active_q <= 1'b1;
                wait_if_q     <= iq_qw0[4];
                wait_sw_q     <= iq_qw0[5];
                wait_pd_q     <= iq_qw0[7];
                status_data_q <= iq_qw0[63:32];
                status_addr_q <= {iq_qw1[47:2], 2'b00};
                drain_q       <= iq_qw0[7] ? ing_count_next : '0;
            end else if (decide && |drain_q) begin
                drain_q <= drain_q - 1'b1;
            end
            if (wait_done) begin
                wait_active_q <= 1'b0;
                if (wait_sw_q) status_pend_q <= 1'b1;
            end

            // ---- write engine ----
            if (eng_idle) begin
                // Which unit a kind-2 job belongs to (VTD-PRQ-20, VTD-FLT-8: reads push it).
                eng_pe_q <= job_pe;
                eng_fe_q <= job_fe;
            end
            if (job_status) begin
                status_pend_q <= 1'b0;
                eng_kind_q    <= KIND_STATUS;
                mw_addr_q     <= status_addr_q;
                mw_data_q     <= {224'h0, status_data_q};
                eng_state_q   <= ENG_WRITE;
            end else if (job_pe) begin
                eng_kind_q  <= KIND_MSI;
                mw_addr_q   <= {peuaddr_q[15:0], peaddr_q, 2'b00};
                mw_data_q   <= {240'h0, pedata_q};
                eng_state_q <= ENG_WRITE;
            end else if (job_fe) begin
                eng_kind_q  <= KIND_MSI;
                mw_addr_q   <= {feuaddr_q[15:0], feaddr_q, 2'b00};
                mw_data_q   <= {240'h0, fedata_q};
                eng_state_q <= ENG_WRITE;
            end else if (job_ie) begin
                eng_kind_q  <= KIND_MSI;
                mw_addr_q   <= {ieuaddr_q[15:0], ieaddr_q, 2'b00};
                mw_data_q   <= {240'h0, iedata_q};
                eng_state_q <= ENG_WRITE;
            end else if (decide && row_d) begin                    // VTD-PRQ-4, -8, -10
                eng_kind_q  <= KIND_DESC;
                mw_addr_q   <= entry_addr;                         // VTD-PRQ-1
                mw_data_q   <= page_req_dsc(ing_head);
                eng_state_q <= ENG_WRITE;
            end
            if (mw_fire)    eng_state_q <= ENG_WAIT_ACK;
            if (mwack_fire) eng_state_q <= ENG_IDLE;

            // ---- register reads ----
            reg_rvalid_q <= rd_answer;
            if (rd_answer) reg_rdata_q <= rd_value;
            if (reg_rd && rd_hold) begin
                rd_pend_q <= 1'b1;
                rd_addr_q <= reg_addr;
            end else if (rd_answer) begin
                rd_pend_q <= 1'b0;
            end
        end
    end

    assign reg_rvalid = reg_rvalid_q;
    assign reg_rdata  = reg_rdata_q;

    // Bits of the inputs that carry no state here.
    logic unused_bits;
    assign unused_bits = ^{reg_wdata[63:48], iq_qw1[63:48], iq_qw1[2], iq_qw0[6],
                           auto_count_unused, sw_count_unused, frcd_rel[1:0], pre_rel[2:0],
                           rd_frcd_rel[1:0], rd_pre_rel[2:0]};

endmodule
