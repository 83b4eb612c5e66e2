// Arm SMMUv3 PRI queue with automatic PRG responses, the event queue (smmuv3_evtq.sv) and a
// command input for CMD_PRI_RESP, CMD_RESUME, CMD_STALL_TERM and CMD_SYNC. One top holds both
// queues: they share the command port and the registers (rtl/README.md says why).
//
// Contract: rtl/README.md (every latency and ordering choice below is written there).
// Rule IDs in comments point to ../shared/spec/: SMMU-PRIQ-n, SMMU-CMD-n, PRI-n, DEC-n, OP-n.
//
// Structure:
//   registers --> ack delay lines (CR0ACK, IRQ_CTRLACK)
//   pr_* --> ingress FIFO --> decision (rows a-d) --+--> write engine --> mw_* / mwack_*
//                                                   +--> automatic-response FIFO --+
//   cmd_* --> command unit --> software-response FIFO ----------------------------+--> egress --> rsp_*
//   ev_* --> smmuv3_evtq --> emw_* / emwack_*, sr_*   (stall commands and CMD_SYNC from the command unit)
// Every output is a register or a function of registers (no input-to-output path).
module smmuv3_priq #(
    parameter int PRIQS      = 8,   // IDR1.PRIQS, at most 19
    parameter int ING_DEPTH  = 4,
    parameter int AUTO_DEPTH = 4,
    parameter int SW_DEPTH   = 2,
    parameter int CR0ACK_LAT = 2,   // at least 1 (OP-9)
    parameter int EVENTQS    = 7,   // IDR1.EVENTQS, at most 19
    parameter int STALL_MAX  = 4,   // IDR5.STALL_MAX, 1..16 (OP-3)
    parameter int EV_DEPTH   = 4,
    parameter int SR_DEPTH   = 2
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

    // Queue-memory writes
    output logic         mw_valid,
    input  logic         mw_ready,
    output logic [47:0]  mw_addr,
    output logic [127:0] mw_data,
    input  logic         mwack_valid,
    output logic         mwack_ready,
    input  logic         mwack_err,

    // Register access
    input  logic         reg_valid,
    output logic         reg_ready,
    input  logic         reg_write,
    input  logic [19:0]  reg_addr,
    input  logic [63:0]  reg_wdata,
    output logic         reg_rvalid,
    output logic [63:0]  reg_rdata,

    // Commands
    input  logic         cmd_valid,
    output logic         cmd_ready,
    input  logic [63:0]  cmd_dw0,
    input  logic [63:0]  cmd_dw1,

    // Event input (rtl/README.md "SMMUv3 event queue")
    input  logic         ev_valid,
    output logic         ev_ready,
    input  logic [7:0]   ev_id,
    input  logic [31:0]  ev_sid,
    input  logic         ev_ssv,
    input  logic [19:0]  ev_ssid,
    input  logic         ev_stall,
    input  logic         ev_pnu,
    input  logic         ev_ind,
    input  logic         ev_rnw,
    input  logic         ev_s2,
    input  logic [1:0]   ev_class,
    input  logic         ev_ttrnw,
    input  logic [63:0]  ev_iaddr,
    input  logic [52:0]  ev_addr2,

    // Stall resolutions
    output logic         sr_valid,
    input  logic         sr_ready,
    output logic [31:0]  sr_sid,
    output logic [15:0]  sr_stag,
    output logic [1:0]   sr_action,

    // Event-record memory writes (own port, no arbitration with mw_*)
    output logic         emw_valid,
    input  logic         emw_ready,
    output logic [47:0]  emw_addr,
    output logic [255:0] emw_data,
    input  logic         emwack_valid,
    output logic         emwack_ready,
    input  logic         emwack_err,

    // Pulses (OP-7)
    output logic         sync_done,
    output logic         irq_priq,
    output logic         irq_gerror,
    output logic         irq_evtq
);

    // ---------------------------------------------------------------------------------------
    // Types and constants
    // ---------------------------------------------------------------------------------------

    // One page-request message as received (PRI-1).
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

    // One PRG response (PRI-13); pasid is 0 when pv=0.
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

    localparam logic [3:0] CODE_SUCCESS = 4'h0;
    localparam logic [3:0] CODE_INVALID = 4'h1;
    localparam logic [3:0] CODE_FAILURE = 4'hF;

    // Register offsets (OP-8: PROD/CONS on Page 1 only).
    localparam logic [19:0] A_IDR0          = 20'h00000;
    localparam logic [19:0] A_IDR1          = 20'h00004;
    localparam logic [19:0] A_IDR3          = 20'h0000C;
    localparam logic [19:0] A_IDR5          = 20'h00014;
    localparam logic [19:0] A_CR0           = 20'h00020;
    localparam logic [19:0] A_CR0ACK        = 20'h00024;
    localparam logic [19:0] A_IRQ_CTRL      = 20'h00050;
    localparam logic [19:0] A_IRQ_CTRLACK   = 20'h00054;
    localparam logic [19:0] A_GERROR        = 20'h00060;
    localparam logic [19:0] A_GERRORN       = 20'h00064;
    localparam logic [19:0] A_CMDQ_CONS     = 20'h0009C;
    localparam logic [19:0] A_EVENTQ_BASE   = 20'h000A0;
    localparam logic [19:0] A_EVENTQ_PROD   = 20'h100A8;
    localparam logic [19:0] A_EVENTQ_CONS   = 20'h100AC;
    localparam logic [19:0] A_PRIQ_BASE     = 20'h000C0;
    localparam logic [19:0] A_PRIQ_IRQ_CFG2 = 20'h000DC;
    localparam logic [19:0] A_PRIQ_PROD     = 20'h100C8;
    localparam logic [19:0] A_PRIQ_CONS     = 20'h100CC;

    // Bit positions in CR0/CR0ACK and IRQ_CTRL/IRQ_CTRLACK.
    localparam int CR0_SMMUEN    = 0;
    localparam int CR0_PRIQEN    = 1;
    localparam int CR0_EVENTQEN  = 2;
    localparam int IRQ_GERROR_EN = 0;
    localparam int IRQ_PRIQ_EN   = 1;
    localparam int IRQ_EVENTQ_EN = 2;

    // Command opcodes (SMMU-CMD-1: commands are taken one per handshake, in port order; OP-6).
    localparam logic [7:0] OP_PRI_RESP   = 8'h41;
    localparam logic [7:0] OP_RESUME     = 8'h44;
    localparam logic [7:0] OP_STALL_TERM = 8'h45;
    localparam logic [7:0] OP_SYNC       = 8'h46;

    // ID register values (OP-21).
    localparam logic [4:0] PRIQS_FIELD   = 5'(PRIQS);
    localparam logic [4:0] EVENTQS_FIELD = 5'(EVENTQS);
    localparam logic [31:0] IDR0_VAL = 32'h0001_0000;                          // PRI[16], STALL_MODEL=0b00
    localparam logic [31:0] IDR1_VAL = {11'h0, EVENTQS_FIELD, PRIQS_FIELD, 5'd20, 6'h0};
    localparam logic [31:0] IDR5_VAL = {16'(STALL_MAX), 16'h0};               // STALL_MAX
    localparam logic [31:0] IDR3_VAL = 32'h0000_0020;                          // PPS[5]

    if (PRIQS < 0 || PRIQS > 19) begin : g_bad_priqs
        $error("smmuv3_priq: PRIQS must be in 0..19");
    end
    if (CR0ACK_LAT < 1) begin : g_bad_lat
        $error("smmuv3_priq: CR0ACK_LAT must be at least 1");
    end

    // A Stop Marker is PV=1, L=1, R=W=0 (DEC-1, PRI-2); an "L=1 request" is L=1 and not a
    // Stop Marker. Only PV, L, R, W classify a message (PRI-4).
    function automatic logic is_l1_request(input logic pv, input logic l, input logic r,
                                           input logic w);
        return l && !(pv && !r && !w);
    endfunction

    // PRIQ entry encoding (smmuv3.md §4, SMMU-PRIQ-4): RES0 bits 0, PASID/Priv/Exe 0 when SSV=0.
    function automatic logic [127:0] priq_entry(input msg_t m);
        logic [63:0] dw0, dw1;
        dw0 = {m.pv, m.l, m.w, m.r, m.exe & m.pv, m.priv & m.pv, 6'b0,
               m.pasid & {20{m.pv}}, 16'b0, m.rid};
        dw1 = {m.addr, 3'b0, m.prgi};
        return {dw1, dw0};
    endfunction

    // ---------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------

    logic [3:0]  cr0_q;             // SMMUEN, PRIQEN, EVENTQEN, CMDQEN
    logic [2:0]  irq_ctrl_q;        // GERROR_IRQEN, PRIQ_IRQEN, EVENTQ_IRQEN
    logic        gerror_cmdq_q;     // GERROR[0]
    logic        gerror_priq_abt_q; // GERROR[3]
    logic        gerror_evtq_abt_q; // GERROR[2]
    logic        gerrorn_cmdq_q;    // GERRORN[0]
    logic        gerrorn_priq_abt_q;// GERRORN[3]
    logic        gerrorn_evtq_abt_q;// GERRORN[2]
    logic [6:0]  cmdq_cons_err_q;   // CMDQ_CONS.ERR
    logic [47:5] priq_base_addr_q;  // PRIQ_BASE.ADDR (OP-19: 48-bit)
    logic [4:0]  priq_log2size_q;   // PRIQ_BASE.LOG2SIZE
    logic        priq_lo_q;         // PRIQ_IRQ_CFG2.LO
    logic [19:0] prod_wr_q;         // PRIQ_PROD.WR (index + wrap + kept upper bits)
    logic        prod_ovflg_q;      // PRIQ_PROD.OVFLG
    logic [19:0] cons_rd_q;         // PRIQ_CONS.RD
    logic        cons_ovack_q;      // PRIQ_CONS.OVACKFLG

    eng_state_t  eng_state_q;
    msg_t        ent_q;             // message being written (row d)
    logic [47:0] mw_addr_q;

    logic        sync_pending_q;
    logic        reg_rvalid_q;
    logic [63:0] reg_rdata_q;
    logic        sync_done_q;
    logic        irq_priq_q;
    logic        irq_gerror_q;
    logic        irq_evtq_q;

    // ---------------------------------------------------------------------------------------
    // Register port: decode of this edge's access
    // ---------------------------------------------------------------------------------------

    assign reg_ready = 1'b1;   // always ready; a handshake at a reset edge has no effect

    wire reg_wr = reg_valid && reg_write;
    wire reg_rd = reg_valid && !reg_write;

    wire wr_cr0       = reg_wr && (reg_addr == A_CR0);
    wire wr_irq_ctrl  = reg_wr && (reg_addr == A_IRQ_CTRL);
    wire wr_gerrorn   = reg_wr && (reg_addr == A_GERRORN);
    wire wr_priq_base = reg_wr && (reg_addr == A_PRIQ_BASE);
    wire wr_irq_cfg2  = reg_wr && (reg_addr == A_PRIQ_IRQ_CFG2);
    wire wr_prod      = reg_wr && (reg_addr == A_PRIQ_PROD);
    wire wr_cons      = reg_wr && (reg_addr == A_PRIQ_CONS);
    wire wr_ev_base   = reg_wr && (reg_addr == A_EVENTQ_BASE);
    wire wr_ev_prod   = reg_wr && (reg_addr == A_EVENTQ_PROD);
    wire wr_ev_cons   = reg_wr && (reg_addr == A_EVENTQ_CONS);

    // Unused write-data bits: no register holds bits [63:48].
    logic unused_reg_wdata;
    assign unused_reg_wdata = ^reg_wdata[63:48];

    // ---------------------------------------------------------------------------------------
    // CR0ACK / IRQ_CTRLACK delay lines (SMMU-PRIQ-15, OP-9)
    // ---------------------------------------------------------------------------------------

    logic [3:0] cr0ack, cr0ack_next;
    logic [2:0] irq_ctrlack, irq_ctrlack_unused_next;
    wire        eng_busy = (eng_state_q != ENG_IDLE);
    logic       evtq_busy;

    // SMMU-PRIQ-15: CR0ACK.PRIQEN/SMMUEN do not fall while a PRIQ write is in flight;
    // SMMU-EVTQ-10: CR0ACK.EVENTQEN does not fall while an event-record write is.
    ack_delay #(.WIDTH(4), .LAT(CR0ACK_LAT)) u_cr0ack (
        .clk, .rst_n,
        .ctrl      (cr0_q),
        .hold_high ({1'b0, evtq_busy, eng_busy, eng_busy}),
        .ack       (cr0ack),
        .ack_next  (cr0ack_next)
    );

    ack_delay #(.WIDTH(3), .LAT(CR0ACK_LAT)) u_irq_ctrlack (
        .clk, .rst_n,
        .ctrl      (irq_ctrl_q),
        .hold_high (3'b000),
        .ack       (irq_ctrlack),
        .ack_next  (irq_ctrlack_unused_next)
    );

    wire cr0ack_changes = (cr0ack_next != cr0ack);

    // ---------------------------------------------------------------------------------------
    // Ingress FIFO: messages are decided and written one at a time in arrival order (PRI-31)
    // ---------------------------------------------------------------------------------------

    msg_t ing_in, ing_head;
    logic ing_empty, ing_full, ing_pop;
    logic [$clog2(ING_DEPTH+1)-1:0] ing_count_unused;

    assign ing_in = '{rid: pr_rid, pv: pr_pv, pasid: pr_pasid, exe: pr_exe, priv: pr_priv,
                      r: pr_r, w: pr_w, l: pr_l, prgi: pr_prgi, addr: pr_addr};
    assign pr_ready = !ing_full;

    sync_fifo #(.WIDTH($bits(msg_t)), .DEPTH(ING_DEPTH)) u_ing_fifo (
        .clk, .rst_n,
        .push      (pr_valid && !ing_full),
        .push_data (ing_in),
        .pop       (ing_pop),
        .head      (ing_head),
        .empty     (ing_empty),
        .full      (ing_full),
        .count     (ing_count_unused)
    );

    // ---------------------------------------------------------------------------------------
    // Queue pointers (SMMU-PRIQ-1, -2) with cons_eff (OP-15)
    // ---------------------------------------------------------------------------------------

    // OP-15: a CONS write at this edge is seen by every hardware use of CONS at this edge.
    wire [19:0] cons_eff_rd    = wr_cons ? reg_wdata[19:0] : cons_rd_q;
    wire        cons_eff_ovack = wr_cons ? reg_wdata[31]   : cons_ovack_q;

    logic [4:0]  q_n;
    logic [19:0] q_idx_mask, q_wrap_mask_unused, prod_wr_incr;
    logic        q_empty, q_full;

    ring_ptr #(.PTR_W(20), .SIZE_W(5), .MAX_LOG2(PRIQS)) u_ring (
        .log2size  (priq_log2size_q),
        .prod      (prod_wr_q),
        .cons      (cons_eff_rd),
        .n         (q_n),
        .idx_mask  (q_idx_mask),
        .wrap_mask (q_wrap_mask_unused),
        .empty     (q_empty),
        .full      (q_full),
        .prod_incr (prod_wr_incr)
    );

    // SMMU-PRIQ-1: entry k at ({ADDR,5'b0} with the low log2(max(16*2^n,32)) bits cleared) + 16k.
    logic [5:0]  base_align_log2;
    logic [47:0] base_align_mask, entry_addr;
    assign base_align_log2 = (q_n == 5'd0) ? 6'd5 : 6'(q_n) + 6'd4;
    assign base_align_mask = ~({48{1'b1}} << base_align_log2);
    assign entry_addr      = ({priq_base_addr_q, 5'b0} & ~base_align_mask)
                           | {24'b0, prod_wr_q & q_idx_mask, 4'b0};

    // ---------------------------------------------------------------------------------------
    // Decision unit: rows a-d (smmuv3.md §5)
    // ---------------------------------------------------------------------------------------

    logic auto_full, auto_empty;
    wire  priq_abt_active = (gerror_priq_abt_q != gerrorn_priq_abt_q);

    // Decide when the engine is IDLE, a message waits, the auto FIFO has room and CR0ACK is
    // stable at this edge (SMMU-PRIQ-15: no decision while an enable changes).
    wire decide = (eng_state_q == ENG_IDLE) && !ing_empty && !auto_full && !cr0ack_changes;
    assign ing_pop = decide;

    // Row a (SMMU-PRIQ-5, DEC-2): disabled or PRIQ_ABT_ERR active.
    wire row_a = !cr0ack[CR0_SMMUEN] || !cr0ack[CR0_PRIQEN] || priq_abt_active;
    // Row b (SMMU-PRIQ-6, -8, -9): overflow active -> inhibited.
    wire row_b = !row_a && (prod_ovflg_q != cons_eff_ovack);
    // Row c (SMMU-PRIQ-7): queue full -> OVFLG toggles.
    wire row_c = !row_a && !row_b && q_full;
    // Row d (SMMU-PRIQ-3): write the entry.
    wire row_d = !row_a && !row_b && !row_c;

    wire head_l1_req = is_l1_request(ing_head.pv, ing_head.l, ing_head.r, ing_head.w);

    // ---------------------------------------------------------------------------------------
    // Write engine: IDLE -> WRITE -> WAIT_ACK -> IDLE
    // ---------------------------------------------------------------------------------------

    assign mw_valid    = (eng_state_q == ENG_WRITE);
    assign mw_addr     = mw_addr_q;
    assign mw_data     = priq_entry(ent_q);
    assign mwack_ready = (eng_state_q == ENG_WAIT_ACK);

    wire mw_fire    = mw_valid && mw_ready;
    wire mwack_fire = mwack_valid && mwack_ready;
    wire ack_ok     = mwack_fire && !mwack_err;
    wire ack_err    = mwack_fire && mwack_err;

    // SMMU-PRIQ-16: a failed write activates PRIQ_ABT_ERR if inactive.
    wire priq_abt_activate = ack_err && !priq_abt_active;

    // ---------------------------------------------------------------------------------------
    // Automatic responses (SMMU-PRIQ-10, -11, -12)
    // ---------------------------------------------------------------------------------------

    logic auto_push;
    rsp_t auto_in, auto_head;
    logic auto_pop;
    logic [$clog2(AUTO_DEPTH+1)-1:0] auto_count_unused;

    always_comb begin
        auto_push = 1'b0;
        auto_in   = '0;
        if (ack_err && is_l1_request(ent_q.pv, ent_q.l, ent_q.r, ent_q.w)) begin
            // SMMU-PRIQ-16, DEC-2: aborted write answered as row a: 0xF, no PASID.
            auto_push = 1'b1;
            auto_in   = '{rid: ent_q.rid, pv: 1'b0, pasid: 20'h0, prgi: ent_q.prgi,
                          code: CODE_FAILURE};
        end else if (decide && head_l1_req && row_a) begin
            // SMMU-PRIQ-5, DEC-2: 0xF, no PASID. Stop Markers and L=0 get nothing (SMMU-PRIQ-11,
            // PRI-17).
            auto_push = 1'b1;
            auto_in   = '{rid: ing_head.rid, pv: 1'b0, pasid: 20'h0, prgi: ing_head.prgi,
                          code: CODE_FAILURE};
        end else if (decide && head_l1_req && (row_b || row_c)) begin
            // SMMU-PRIQ-6, -7, DEC-3: Success, PASID iff PV.
            auto_push = 1'b1;
            auto_in   = '{rid: ing_head.rid, pv: ing_head.pv,
                          pasid: ing_head.pasid & {20{ing_head.pv}}, prgi: ing_head.prgi,
                          code: CODE_SUCCESS};
        end
    end

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

    // ---------------------------------------------------------------------------------------
    // PRIQ interrupt triggers (SMMU-PRIQ-13, OP-17): at most one per edge
    // ---------------------------------------------------------------------------------------

    // Rows b, c with LO=1: each L=1 message (Stop Markers included).
    wire trig_discard = decide && (row_b || row_c) && priq_lo_q && ing_head.l;
    // Written entry: LO=0 and the queue was empty (PROD = cons_eff in [n:0]); LO=1 and L=1.
    wire trig_written = ack_ok && (priq_lo_q ? ent_q.l : q_empty);
    wire priq_trigger = trig_discard || trig_written;

    // ---------------------------------------------------------------------------------------
    // Command unit (SMMU-CMD-*)
    // ---------------------------------------------------------------------------------------

    logic sw_empty, sw_full;
    wire  cmdq_err_active = (gerror_cmdq_q != gerrorn_cmdq_q);

    // SMMU-CMD-2, -10: stop while CMDQ_ERR is active or a CMD_SYNC is pending.
    assign cmd_ready = !cmdq_err_active && !sw_full && !sync_pending_q;
    wire cmd_fire = cmd_valid && cmd_ready;

    wire [7:0] cmd_opcode   = cmd_dw0[7:0];
    wire [1:0] cmd_resp     = cmd_dw1[13:12];   // CMD_PRI_RESP.Resp
    wire [1:0] cmd_sync_cs  = cmd_dw0[13:12];   // CMD_SYNC.CS
    wire       cmd_ssv      = cmd_dw0[11];
    wire       cmd_ac       = cmd_dw0[12];      // CMD_RESUME.Ac
    wire       cmd_ab       = cmd_dw0[13];      // CMD_RESUME.Ab
    // SMMU-CMD-7, TERM_MODEL=0: 0 retry (Ac=1), 1 abort (Ac=0, Ab=1), 2 RAZ/WI (Ac=0, Ab=0).
    wire [1:0] cmd_action   = cmd_ac ? 2'd0 : (cmd_ab ? 2'd1 : 2'd2);

    // RES0 and fields that have no effect here (OP-6: RES0 bits ignored).
    logic unused_cmd_bits;
    assign unused_cmd_bits = ^{cmd_dw0[10:8], cmd_dw1[63:16]};

    logic cmd_illegal, sw_push, sync_start, cmd_resume, cmd_term;
    rsp_t sw_in;

    always_comb begin
        cmd_illegal = 1'b0;
        sw_push     = 1'b0;
        sync_start  = 1'b0;
        cmd_resume  = 1'b0;
        cmd_term    = 1'b0;
        sw_in       = '{rid: cmd_dw0[47:32], pv: cmd_ssv, pasid: cmd_dw0[31:12] & {20{cmd_ssv}},
                        prgi: cmd_dw1[8:0], code: CODE_FAILURE};
        case (cmd_resp)
            2'b01:   sw_in.code = CODE_INVALID;
            2'b10:   sw_in.code = CODE_SUCCESS;
            default: sw_in.code = CODE_FAILURE;   // 0b00 (0b11 is ILLEGAL, never pushed)
        endcase
        if (cmd_fire) begin
            case (cmd_opcode)
                OP_PRI_RESP: begin
                    if (cmd_resp == 2'b11)   cmd_illegal = 1'b1;   // DEC-4, SMMU-CMD-4
                    else if (cr0ack[CR0_SMMUEN]) sw_push = 1'b1;   // SMMU-CMD-3
                    // else SMMU-CMD-5: ignored while CR0ACK.SMMUEN=0
                end
                OP_SYNC: begin
                    if (cmd_sync_cs == 2'b11) cmd_illegal = 1'b1;  // SMMU-CMD-9
                    else                      sync_start  = 1'b1;
                end
                OP_RESUME:     cmd_resume = 1'b1;                  // SMMU-CMD-7
                OP_STALL_TERM: cmd_term   = 1'b1;                  // SMMU-CMD-8
                // OP-6: defined but not implemented here -> no effect.
                8'h01, 8'h02, 8'h03, 8'h04, 8'h05, 8'h06,
                8'h10, 8'h11, 8'h12,
                8'h20, 8'h21, 8'h22, 8'h28, 8'h2A,
                8'h30, 8'h40: ;
                default: cmd_illegal = 1'b1;                       // SMMU-CMD-2, OP-6
            endcase
        end
    end

    // SMMU-CMD-2: ILLEGAL activates CMDQ_ERR (always inactive here, cmd_ready requires it).
    wire cmdq_err_activate = cmd_illegal && !cmdq_err_active;

    // SMMU-CMD-9, -10: a sync completes at the first edge (its handshake edge included) where
    // the software-response FIFO is empty before the edge and the event queue's conditions hold.
    logic evtq_sync_ok;
    wire sync_waiting  = sync_pending_q || sync_start;
    wire sync_complete = sync_waiting && sw_empty && evtq_sync_ok;

    rsp_t sw_head;
    logic sw_pop;
    logic [$clog2(SW_DEPTH+1)-1:0] sw_count_unused;

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

    // ---------------------------------------------------------------------------------------
    // Response egress (DEC-12, OP-16): automatic first (SMMU-PRIQ-12, SMMU-CMD-6)
    // ---------------------------------------------------------------------------------------

    rsp_t egress;

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
    // Event queue (rtl/README.md "SMMUv3 event queue")
    // ---------------------------------------------------------------------------------------

    wire         evtq_abt_active = (gerror_evtq_abt_q != gerrorn_evtq_abt_q);
    // SMMU-PRIQ-14 applied to EVENTQEN: BASE and PROD writable only while disabled.
    wire         ev_base_prod_writable = !cr0_q[CR0_EVENTQEN] && !cr0ack[CR0_EVENTQEN];
    logic [63:0] ev_base_rd;
    logic [31:0] ev_prod_rd, ev_cons_rd;
    logic        evtq_write_err, evtq_trigger;

    smmuv3_evtq #(.EVENTQS(EVENTQS), .STALL_MAX(STALL_MAX), .EV_DEPTH(EV_DEPTH),
                  .SR_DEPTH(SR_DEPTH)) u_evtq (
        .clk, .rst_n,
        .ev_valid, .ev_ready, .ev_id, .ev_sid, .ev_ssv, .ev_ssid, .ev_stall, .ev_pnu, .ev_ind,
        .ev_rnw, .ev_s2, .ev_class, .ev_ttrnw, .ev_iaddr, .ev_addr2,
        .sr_valid, .sr_ready, .sr_sid, .sr_stag, .sr_action,
        .emw_valid, .emw_ready, .emw_addr, .emw_data, .emwack_valid, .emwack_ready, .emwack_err,
        .wr_base     (wr_ev_base && ev_base_prod_writable),
        .wr_prod     (wr_ev_prod && ev_base_prod_writable),
        .wr_cons     (wr_ev_cons),
        .wdata       (reg_wdata[47:0]),
        .base_rd     (ev_base_rd),
        .prod_rd     (ev_prod_rd),
        .cons_rd     (ev_cons_rd),
        .smmuen      (cr0ack[CR0_SMMUEN]),
        .eventqen    (cr0ack[CR0_EVENTQEN]),
        .ack_changes (cr0ack_changes),
        .abt_active  (evtq_abt_active),
        .resume      (cmd_resume),
        .term        (cmd_term),
        .cmd_sid     (cmd_dw0[63:32]),
        .cmd_stag    (cmd_dw1[15:0]),
        .cmd_action  (cmd_action),
        .sync_start  (sync_start),
        .sync_ok     (evtq_sync_ok),
        .busy        (evtq_busy),
        .write_err   (evtq_write_err),
        .irq_trigger (evtq_trigger)
    );

    // SMMU-EVTQ-11: a failed record write activates EVENTQ_ABT_ERR if inactive.
    wire evtq_abt_activate = evtq_write_err && !evtq_abt_active;

    // ---------------------------------------------------------------------------------------
    // Register read data: value before the edge
    // ---------------------------------------------------------------------------------------

    logic [63:0] rd_value;
    always_comb begin
        case (reg_addr)
            A_IDR0:          rd_value = {32'h0, IDR0_VAL};
            A_IDR1:          rd_value = {32'h0, IDR1_VAL};
            A_IDR3:          rd_value = {32'h0, IDR3_VAL};
            A_IDR5:          rd_value = {32'h0, IDR5_VAL};
            A_CR0:           rd_value = {60'h0, cr0_q};
            A_CR0ACK:        rd_value = {60'h0, cr0ack};
            A_IRQ_CTRL:      rd_value = {61'h0, irq_ctrl_q};
            A_IRQ_CTRLACK:   rd_value = {61'h0, irq_ctrlack};
            A_GERROR:        rd_value = {60'h0, gerror_priq_abt_q, gerror_evtq_abt_q, 1'b0,
                                         gerror_cmdq_q};
            A_GERRORN:       rd_value = {60'h0, gerrorn_priq_abt_q, gerrorn_evtq_abt_q, 1'b0,
                                         gerrorn_cmdq_q};
            A_CMDQ_CONS:     rd_value = {33'h0, cmdq_cons_err_q, 24'h0};
            A_PRIQ_BASE:     rd_value = {16'h0, priq_base_addr_q, priq_log2size_q};
            A_PRIQ_IRQ_CFG2: rd_value = {32'h0, priq_lo_q, 31'h0};
            A_PRIQ_PROD:     rd_value = {32'h0, prod_ovflg_q, 11'h0, prod_wr_q};
            A_PRIQ_CONS:     rd_value = {32'h0, cons_ovack_q, 11'h0, cons_rd_q};
            A_EVENTQ_BASE:   rd_value = ev_base_rd;
            A_EVENTQ_PROD:   rd_value = {32'h0, ev_prod_rd};
            A_EVENTQ_CONS:   rd_value = {32'h0, ev_cons_rd};
            default:         rd_value = 64'h0;
        endcase
    end

    // ---------------------------------------------------------------------------------------
    // Sequential state
    // ---------------------------------------------------------------------------------------

    // SMMU-PRIQ-14: gated writes.
    wire base_prod_writable = !cr0_q[CR0_PRIQEN] && !cr0ack[CR0_PRIQEN];
    wire irq_cfg_writable   = !irq_ctrl_q[IRQ_PRIQ_EN] && !irq_ctrlack[IRQ_PRIQ_EN];

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            // OP-18: everything resets to 0.
            cr0_q              <= '0;
            irq_ctrl_q         <= '0;
            gerror_cmdq_q      <= 1'b0;
            gerror_priq_abt_q  <= 1'b0;
            gerrorn_cmdq_q     <= 1'b0;
            gerrorn_priq_abt_q <= 1'b0;
            gerror_evtq_abt_q  <= 1'b0;
            gerrorn_evtq_abt_q <= 1'b0;
            cmdq_cons_err_q    <= '0;
            priq_base_addr_q   <= '0;
            priq_log2size_q    <= '0;
            priq_lo_q          <= 1'b0;
            prod_wr_q          <= '0;
            prod_ovflg_q       <= 1'b0;
            cons_rd_q          <= '0;
            cons_ovack_q       <= 1'b0;
            eng_state_q        <= ENG_IDLE;
            ent_q              <= '0;
            mw_addr_q          <= '0;
            sync_pending_q     <= 1'b0;
            reg_rvalid_q       <= 1'b0;
            reg_rdata_q        <= '0;
            sync_done_q        <= 1'b0;
            irq_priq_q         <= 1'b0;
            irq_gerror_q       <= 1'b0;
            irq_evtq_q         <= 1'b0;
        end else begin
            // ---- software register writes ----
            if (wr_cr0)      cr0_q      <= reg_wdata[3:0];
            if (wr_irq_ctrl) irq_ctrl_q <= reg_wdata[2:0];
            if (wr_gerrorn) begin
                gerrorn_cmdq_q     <= reg_wdata[0];
                gerrorn_priq_abt_q <= reg_wdata[3];
                gerrorn_evtq_abt_q <= reg_wdata[2];
            end
            if (wr_priq_base && base_prod_writable) begin     // SMMU-PRIQ-14
                priq_base_addr_q <= reg_wdata[47:5];
                priq_log2size_q  <= reg_wdata[4:0];
            end
            if (wr_irq_cfg2 && irq_cfg_writable) priq_lo_q <= reg_wdata[31];   // SMMU-PRIQ-14
            if (wr_prod && base_prod_writable) begin          // SMMU-PRIQ-14
                prod_wr_q    <= reg_wdata[19:0];
                prod_ovflg_q <= reg_wdata[31];
            end
            if (wr_cons) begin                                // SMMU-PRIQ-9: always writable
                cons_rd_q    <= reg_wdata[19:0];
                cons_ovack_q <= reg_wdata[31];
            end

            // ---- register reads: one cycle after the handshake ----
            reg_rvalid_q <= reg_rd;
            if (reg_rd) reg_rdata_q <= rd_value;

            // ---- decision (rows c, d; rows a, b only push responses) ----
            // A software PROD write cannot coincide with these: it needs CR0ACK.PRIQEN=0,
            // which makes every decision row a and keeps the engine IDLE.
            if (decide && row_c) prod_ovflg_q <= !prod_ovflg_q;   // SMMU-PRIQ-7
            if (decide && row_d) begin                             // SMMU-PRIQ-3, -4, -11
                ent_q       <= ing_head;
                mw_addr_q   <= entry_addr;                         // SMMU-PRIQ-1
                eng_state_q <= ENG_WRITE;
            end

            // ---- write engine ----
            if (mw_fire) eng_state_q <= ENG_WAIT_ACK;
            if (mwack_fire) begin
                eng_state_q <= ENG_IDLE;
                if (!mwack_err) prod_wr_q <= prod_wr_incr;         // SMMU-PRIQ-2, -3
            end
            if (priq_abt_activate) gerror_priq_abt_q <= !gerror_priq_abt_q;  // SMMU-PRIQ-16
            if (evtq_abt_activate) gerror_evtq_abt_q <= !gerror_evtq_abt_q;  // SMMU-EVTQ-11

            // ---- command unit (software responses keep command order: SMMU-CMD-6) ----
            if (cmdq_err_activate) gerror_cmdq_q <= !gerror_cmdq_q;          // SMMU-CMD-2
            if (cmd_illegal)       cmdq_cons_err_q <= 7'h01;                 // CERROR_ILL
            sync_pending_q <= sync_waiting && !sync_complete;                // SMMU-CMD-10
            sync_done_q    <= sync_complete;                                 // SMMU-CMD-9, OP-7

            // ---- interrupt pulses (OP-7, OP-17; SMMU-PRIQ-13, SMMU-CMD-11) ----
            irq_priq_q   <= priq_trigger && irq_ctrlack[IRQ_PRIQ_EN];
            irq_gerror_q <= (priq_abt_activate || cmdq_err_activate || evtq_abt_activate)
                            && irq_ctrlack[IRQ_GERROR_EN];
            irq_evtq_q   <= evtq_trigger && irq_ctrlack[IRQ_EVENTQ_EN];            // SMMU-EVTQ-9
        end
    end

    assign reg_rvalid = reg_rvalid_q;
    assign reg_rdata  = reg_rdata_q;
    assign sync_done  = sync_done_q;
    assign irq_priq   = irq_priq_q;
    assign irq_gerror = irq_gerror_q;
    assign irq_evtq   = irq_evtq_q;

endmodule
