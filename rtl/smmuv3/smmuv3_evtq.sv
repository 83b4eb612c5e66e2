// Arm SMMUv3 event queue with stall faults, instantiated by the top smmuv3_priq.
//
// Contract: rtl/README.md, section "SMMUv3 event queue" (rows W/H/S/F/X, the stall table, the
// CMD_SYNC record count). Rule IDs point to ../shared/spec/: SMMU-EVTQ-n, SMMU-CMD-n, OP-n.
//
// Structure:
//   ev_* --> event ingress FIFO (STAG allocated at acceptance) --> decision --> write engine --> emw_*
//   stall table <-- CMD_RESUME / CMD_STALL_TERM / CR0ACK.SMMUEN=0;  stall table --> resolution FIFO --> sr_*
// The top owns the shared registers (CR0, GERROR...) and the command decode; this block owns
// EVENTQ_BASE/PROD/CONS. Every output is a register or a function of registers, except the
// per-edge status signals to the top (write_err, irq_trigger, sync_ok), which only feed flops.
module smmuv3_evtq #(
    parameter int EVENTQS   = 7,   // IDR1.EVENTQS, at most 19
    parameter int STALL_MAX = 4,   // IDR5.STALL_MAX, 1..16
    parameter int EV_DEPTH  = 4,
    parameter int SR_DEPTH  = 2
) (
    input  logic         clk,
    input  logic         rst_n,

    // Event input
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

    // Event-record memory writes
    output logic         emw_valid,
    input  logic         emw_ready,
    output logic [47:0]  emw_addr,
    output logic [255:0] emw_data,
    input  logic         emwack_valid,
    output logic         emwack_ready,
    input  logic         emwack_err,

    // Register writes decoded (and, for BASE/PROD, gated: SMMU-PRIQ-14 on EVENTQEN) by the top
    input  logic         wr_base,
    input  logic         wr_prod,
    input  logic         wr_cons,
    input  logic [47:0]  wdata,
    output logic [63:0]  base_rd,
    output logic [31:0]  prod_rd,
    output logic [31:0]  cons_rd,

    // Shared state before the edge
    input  logic         smmuen,          // CR0ACK.SMMUEN
    input  logic         eventqen,        // CR0ACK.EVENTQEN
    input  logic         ack_changes,     // CR0ACK changes at this edge: no decision
    input  logic         abt_active,      // EVENTQ_ABT_ERR active

    // Stall commands taken at this edge (SMMU-CMD-7, -8)
    input  logic         resume,
    input  logic         term,
    input  logic [31:0]  cmd_sid,
    input  logic [15:0]  cmd_stag,
    input  logic [1:0]   cmd_action,

    // CMD_SYNC (SMMU-CMD-9)
    input  logic         sync_start,      // a CMD_SYNC is taken at this edge
    output logic         sync_ok,         // the event-queue conditions for completion hold at this edge

    // Status to the top
    output logic         busy,            // write engine not IDLE (holds CR0ACK.EVENTQEN, SMMU-EVTQ-10)
    output logic         write_err,       // a write acknowledged with an error at this edge
    output logic         irq_trigger      // a write acknowledged into an empty queue at this edge
);

    // ---------------------------------------------------------------------------------------
    // Types and constants
    // ---------------------------------------------------------------------------------------

    // One record as accepted, with its STAG (0 unless a stall record).
    typedef struct packed {
        logic [7:0]  id;
        logic [31:0] sid;
        logic        ssv;
        logic [19:0] ssid;
        logic        stall;   // a stall record: ev_stall on an event that can stall
        logic        pnu;
        logic        ind;
        logic        rnw;
        logic        s2;
        logic [1:0]  class_;
        logic        ttrnw;
        logic [63:0] iaddr;
        logic [52:0] addr2;
        logic [15:0] stag;
    } rec_t;

    // One issued stall resolution.
    typedef struct packed {
        logic [31:0] sid;
        logic [15:0] stag;
        logic [1:0]  action;
    } res_t;

    typedef enum logic [1:0] {
        ENG_IDLE     = 2'd0,
        ENG_WRITE    = 2'd1,
        ENG_WAIT_ACK = 2'd2
    } eng_state_t;

    typedef enum logic [1:0] {
        SLOT_FREE      = 2'd0,
        SLOT_STALLED   = 2'd1,
        SLOT_RESOLVING = 2'd2
    } slot_state_t;

    localparam logic [1:0] ACT_ABORT = 2'd1;
    localparam logic [7:0] C_BAD_SUBSTREAMID = 8'h08;
    localparam int SLOT_W = (STALL_MAX > 1) ? $clog2(STALL_MAX) : 1;
    localparam int USED_W = $clog2(STALL_MAX + 1);
    localparam int CNT_W  = $clog2(EV_DEPTH + 2);
    localparam logic [USED_W-1:0] STALL_LIMIT = USED_W'(STALL_MAX);

    if (EVENTQS < 0 || EVENTQS > 19) begin : g_bad_eventqs
        $error("smmuv3_evtq: EVENTQS must be in 0..19");
    end
    if (STALL_MAX < 1 || STALL_MAX > 16) begin : g_bad_stall_max
        $error("smmuv3_evtq: STALL_MAX must be in 1..16");
    end

    // Only F_TRANSLATION .. F_PERMISSION (0x10-0x13) can stall (smmuv3.md §6).
    function automatic logic can_stall(input logic [7:0] id);
        return id >= 8'h10 && id <= 8'h13;
    endfunction

    // The 32-byte record (smmuv3.md §6, SMMU-EVTQ-2): RES0 bits 0; Stall/STAG only for a stall
    // record; InD=0 when RnW=0; SubstreamID 0 when SSV=0, except C_BAD_SUBSTREAMID, which has no
    // SSV and always carries it.
    function automatic logic [255:0] evt_record(input rec_t r);
        logic [63:0] dw0, dw1, dw2, dw3;
        logic        bad_ssid;
        bad_ssid = (r.id == C_BAD_SUBSTREAMID);
        dw0 = {r.sid, r.ssid & {20{r.ssv | bad_ssid}}, r.ssv & ~bad_ssid, 3'b0, r.id};
        dw1 = {19'b0, r.ttrnw, 2'b0, r.class_, r.s2, 3'b0, r.rnw, r.ind & r.rnw, r.pnu, 1'b0,
               r.stall, 15'b0, r.stag & {16{r.stall}}};
        dw2 = r.iaddr;
        dw3 = {8'b0, r.addr2, 3'b0};
        return {dw3, dw2, dw1, dw0};
    endfunction

    // ---------------------------------------------------------------------------------------
    // Registers: EVENTQ_BASE, EVENTQ_PROD, EVENTQ_CONS (SMMU-EVTQ-1)
    // ---------------------------------------------------------------------------------------

    logic [47:5] base_addr_q;
    logic [4:0]  log2size_q;
    logic [19:0] prod_wr_q;
    logic        prod_ovflg_q;
    logic [19:0] cons_rd_q;
    logic        cons_ovack_q;

    assign base_rd = {16'h0, base_addr_q, log2size_q};
    assign prod_rd = {prod_ovflg_q, 11'h0, prod_wr_q};
    assign cons_rd = {cons_ovack_q, 11'h0, cons_rd_q};

    // OP-15: a CONS write at this edge is seen by every use of CONS at this edge.
    wire [19:0] cons_eff_rd    = wr_cons ? wdata[19:0] : cons_rd_q;
    wire        cons_eff_ovack = wr_cons ? wdata[31]   : cons_ovack_q;

    logic [4:0]  q_n;
    logic [19:0] q_idx_mask, q_wrap_mask_unused, prod_wr_incr;
    logic        q_empty, q_full;

    ring_ptr #(.PTR_W(20), .SIZE_W(5), .MAX_LOG2(EVENTQS)) u_ring (
        .log2size  (log2size_q),
        .prod      (prod_wr_q),
        .cons      (cons_eff_rd),
        .n         (q_n),
        .idx_mask  (q_idx_mask),
        .wrap_mask (q_wrap_mask_unused),
        .empty     (q_empty),
        .full      (q_full),
        .prod_incr (prod_wr_incr)
    );

    // SMMU-EVTQ-1: record k at ({ADDR,5'b0} with the low n+5 bits cleared) + 32k.
    logic [47:0] base_align_mask, entry_addr;
    assign base_align_mask = ~({48{1'b1}} << (6'(q_n) + 6'd5));
    assign entry_addr      = ({base_addr_q, 5'b0} & ~base_align_mask)
                           | {23'b0, prod_wr_q & q_idx_mask, 5'b0};

    // ---------------------------------------------------------------------------------------
    // Stall table (SMMU-EVTQ-8): slot k holds STAG k
    // ---------------------------------------------------------------------------------------

    slot_state_t slot_state_q [STALL_MAX];
    logic [31:0] slot_sid_q   [STALL_MAX];
    logic [1:0]  slot_act_q   [STALL_MAX];

    // Lowest FREE slot (STAG allocation, OP-3), lowest RESOLVING slot (next to issue), slots in use.
    logic [SLOT_W-1:0] alloc_idx, issue_idx;
    logic              alloc_any, issue_any;
    logic [USED_W-1:0] used;
    always_comb begin
        alloc_idx = '0;
        alloc_any = 1'b0;
        issue_idx = '0;
        issue_any = 1'b0;
        used      = '0;
        for (int k = STALL_MAX - 1; k >= 0; k--) begin
            if (slot_state_q[k] == SLOT_FREE) begin
                alloc_idx = SLOT_W'(k);
                alloc_any = 1'b1;
            end
            if (slot_state_q[k] == SLOT_RESOLVING) begin
                issue_idx = SLOT_W'(k);
                issue_any = 1'b1;
            end
            if (slot_state_q[k] != SLOT_FREE) used = used + 1'b1;
        end
    end

    // ---------------------------------------------------------------------------------------
    // Event ingress FIFO (OP-3: back-pressure while STALL_MAX stalls are outstanding)
    // ---------------------------------------------------------------------------------------

    rec_t ing_in, ing_head;
    logic ing_empty, ing_full, ing_pop;
    logic [$clog2(EV_DEPTH+1)-1:0] ing_count;

    assign ev_ready = !ing_full && (used < STALL_LIMIT);
    wire   ev_fire  = ev_valid && ev_ready;
    wire   ev_is_stall = ev_stall && can_stall(ev_id);

    assign ing_in = '{id: ev_id, sid: ev_sid, ssv: ev_ssv, ssid: ev_ssid, stall: ev_is_stall,
                      pnu: ev_pnu, ind: ev_ind, rnw: ev_rnw, s2: ev_s2, class_: ev_class,
                      ttrnw: ev_ttrnw, iaddr: ev_iaddr, addr2: ev_addr2,
                      stag: ev_is_stall ? 16'(alloc_idx) : 16'h0};

    sync_fifo #(.WIDTH($bits(rec_t)), .DEPTH(EV_DEPTH)) u_ing_fifo (
        .clk, .rst_n,
        .push      (ev_fire),
        .push_data (ing_in),
        .pop       (ing_pop),
        .head      (ing_head),
        .empty     (ing_empty),
        .full      (ing_full),
        .count     (ing_count)
    );

    // ---------------------------------------------------------------------------------------
    // Decision: rows W, H, S, F, X (rtl/README.md)
    // ---------------------------------------------------------------------------------------

    eng_state_t  eng_state_q;
    logic [47:0] emw_addr_q;
    logic [255:0] emw_data_q;

    wire decide   = (eng_state_q == ENG_IDLE) && !ing_empty && !ack_changes;
    wire writable = eventqen && !q_full && !abt_active;                   // smmuv3.md §6
    wire row_w    = writable;                                             // SMMU-EVTQ-3, -5
    wire row_h    = !writable && ing_head.stall && smmuen;                // SMMU-EVTQ-6, OP-1, OP-2
    wire row_s    = !writable && ing_head.stall && !smmuen;               // SMMU-EVTQ-8
    wire row_f    = !writable && !ing_head.stall && eventqen && !abt_active;  // full: SMMU-EVTQ-4
    wire row_x    = !writable && !ing_head.stall && !row_f;               // SMMU-EVTQ-3, -10
    wire toggle   = decide && row_f && (prod_ovflg_q == cons_eff_ovack);  // SMMU-EVTQ-4

    assign ing_pop = decide && !row_h;

    // ---------------------------------------------------------------------------------------
    // Write engine: IDLE -> WRITE -> WAIT_ACK -> IDLE
    // ---------------------------------------------------------------------------------------

    assign emw_valid    = (eng_state_q == ENG_WRITE);
    assign emw_addr     = emw_addr_q;
    assign emw_data     = emw_data_q;
    assign emwack_ready = (eng_state_q == ENG_WAIT_ACK);
    assign busy         = (eng_state_q != ENG_IDLE);

    wire emw_fire    = emw_valid && emw_ready;
    wire emwack_fire = emwack_valid && emwack_ready;

    assign write_err   = emwack_fire && emwack_err;               // SMMU-EVTQ-11
    assign irq_trigger = emwack_fire && !emwack_err && q_empty;   // SMMU-EVTQ-9

    // ---------------------------------------------------------------------------------------
    // Stall-resolution FIFO ("issued" = pushed here; SMMU-CMD-7, -8)
    // ---------------------------------------------------------------------------------------

    res_t sr_in, sr_head;
    logic sr_empty, sr_full;
    logic [$clog2(SR_DEPTH+1)-1:0] sr_count_unused;
    wire  issue = issue_any && !sr_full;

    assign sr_in = '{sid: slot_sid_q[issue_idx], stag: 16'(issue_idx),
                     action: slot_act_q[issue_idx]};

    sync_fifo #(.WIDTH($bits(res_t)), .DEPTH(SR_DEPTH)) u_sr_fifo (
        .clk, .rst_n,
        .push      (issue),
        .push_data (sr_in),
        .pop       (sr_valid && sr_ready),
        .head      (sr_head),
        .empty     (sr_empty),
        .full      (sr_full),
        .count     (sr_count_unused)
    );

    assign sr_valid  = !sr_empty;
    assign sr_sid    = sr_head.sid;
    assign sr_stag   = sr_head.stag;
    assign sr_action = sr_head.action;

    // ---------------------------------------------------------------------------------------
    // CMD_SYNC: records in flight when the sync was taken, minus those finished since
    // ---------------------------------------------------------------------------------------

    logic [CNT_W-1:0] sync_cnt_q, sync_cnt_d, in_flight;
    wire fin = (decide && (row_s || row_f || row_x)) || emwack_fire;

    assign in_flight = CNT_W'(ing_count) + CNT_W'(busy);
    always_comb begin
        if (sync_start)               sync_cnt_d = in_flight + CNT_W'(ev_fire) - CNT_W'(fin);
        else if (sync_cnt_q > '0)     sync_cnt_d = sync_cnt_q - CNT_W'(fin);
        else                          sync_cnt_d = '0;
    end
    assign sync_ok = !issue_any && (sync_cnt_d == '0);

    // ---------------------------------------------------------------------------------------
    // Sequential state
    // ---------------------------------------------------------------------------------------

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            // OP-18: everything resets to 0.
            base_addr_q  <= '0;
            log2size_q   <= '0;
            prod_wr_q    <= '0;
            prod_ovflg_q <= 1'b0;
            cons_rd_q    <= '0;
            cons_ovack_q <= 1'b0;
            eng_state_q  <= ENG_IDLE;
            emw_addr_q   <= '0;
            emw_data_q   <= '0;
            sync_cnt_q   <= '0;
            for (int k = 0; k < STALL_MAX; k++) begin
                slot_state_q[k] <= SLOT_FREE;
                slot_sid_q[k]   <= '0;
                slot_act_q[k]   <= '0;
            end
        end else begin
            // ---- software register writes (BASE/PROD gated by the top) ----
            if (wr_base) begin
                base_addr_q <= wdata[47:5];
                log2size_q  <= wdata[4:0];
            end
            if (wr_prod) begin
                prod_wr_q    <= wdata[19:0];
                prod_ovflg_q <= wdata[31];
            end
            if (wr_cons) begin
                cons_rd_q    <= wdata[19:0];
                cons_ovack_q <= wdata[31];
            end

            // ---- decision and write engine ----
            if (toggle) prod_ovflg_q <= !prod_ovflg_q;                 // SMMU-EVTQ-4
            if (decide && row_w) begin                                 // SMMU-EVTQ-1, -2, -3
                emw_addr_q  <= entry_addr;
                emw_data_q  <= evt_record(ing_head);
                eng_state_q <= ENG_WRITE;
            end
            if (emw_fire) eng_state_q <= ENG_WAIT_ACK;
            if (emwack_fire) begin
                eng_state_q <= ENG_IDLE;
                if (!emwack_err) prod_wr_q <= prod_wr_incr;            // SMMU-EVTQ-1
            end

            // ---- stall table: each step reads the table before the edge ----
            for (int k = 0; k < STALL_MAX; k++) begin
                if (slot_state_q[k] == SLOT_STALLED) begin
                    if (!smmuen) begin                                 // SMMU-EVTQ-8
                        slot_state_q[k] <= SLOT_RESOLVING;
                        slot_act_q[k]   <= ACT_ABORT;
                    end else if (resume && cmd_stag == 16'(k) && cmd_sid == slot_sid_q[k]) begin
                        slot_state_q[k] <= SLOT_RESOLVING;             // SMMU-CMD-7
                        slot_act_q[k]   <= cmd_action;
                    end else if (term && cmd_sid == slot_sid_q[k]) begin
                        slot_state_q[k] <= SLOT_RESOLVING;             // SMMU-CMD-8
                        slot_act_q[k]   <= ACT_ABORT;
                    end
                end
                if (issue && issue_idx == SLOT_W'(k)) slot_state_q[k] <= SLOT_FREE;
                if (ev_fire && ev_is_stall && alloc_idx == SLOT_W'(k)) begin
                    slot_state_q[k] <= SLOT_STALLED;                   // OP-3: STAG = k
                    slot_sid_q[k]   <= ev_sid;
                end
            end

            sync_cnt_q <= sync_cnt_d;
        end
    end

    logic unused_alloc_any;
    assign unused_alloc_any = alloc_any;   // ev_ready guarantees a free slot at acceptance

endmodule
