// Alternative Arm SMMUv3 PRI queue block, PRIQ only (no event queue): a second implementation
// of the contract's architectural behaviour (rtl/README.md, shared spec smmuv3.md chapter 8),
// with its own port names, an active-high reset, its own latencies, FIFO depths and egress
// priority. What differs and why: alt/smmuv3_priq/README.md.
//
// Pipeline: req_* -> ingress FIFO -> decision (admission rows a-d, SMMU-PRIQ-5..8) -> entry write
// (wr_*) -> PROD; automatic and software responses -> alt_cpl_egress -> cpl_*.
module alt_priq #(
    parameter int PRIQS     = 8,   // IDR1.PRIQS: largest LOG2SIZE honoured (SMMU-PRIQ-1), 0..19
    parameter int IN_SLOTS  = 2,   // ingress FIFO: messages accepted, not yet decided
    parameter int AUTO_SLOTS = 3,  // automatic-response FIFO
    parameter int SW_SLOTS  = 4,   // software-response FIFO (CMD_PRI_RESP)
    parameter int ACK_DELAY = 3    // edges from a CR0 / IRQ_CTRL write to its ACK (OP-9), >= 2
) (
    input  logic         clock,
    input  logic         reset,          // synchronous, active high

    // PCIe page-request ingress. req_attr = {pv, priv, exe, l, w, r}
    input  logic         req_valid,
    output logic         req_ready,
    input  logic [15:0]  req_sid,
    input  logic [19:0]  req_pasid,
    input  logic [5:0]   req_attr,
    input  logic [8:0]   req_prgi,
    input  logic [51:0]  req_page,

    // PRG-response egress. cpl_msg = {rid[15:0], pv, pasid[19:0], prgi[8:0], code[3:0]}
    output logic         cpl_valid,
    input  logic         cpl_hold,       // 1: not ready
    output logic [49:0]  cpl_msg,

    // Queue-memory writes and their completions (OP-5: wr_fault)
    output logic         wr_req,
    input  logic         wr_gnt,
    output logic [47:0]  wr_addr,
    output logic [127:0] wr_data,
    input  logic         wr_done,
    input  logic         wr_fault,
    output logic         wr_done_rdy,

    // Register bus: read data two edges after the request, csr_rdy low meanwhile
    input  logic         csr_req,
    output logic         csr_rdy,
    input  logic         csr_we,
    input  logic [19:0]  csr_addr,
    /* verilator lint_off UNUSEDSIGNAL */  // bits above the stored fields are ignored
    input  logic [63:0]  csr_wdata,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic         csr_rvalid,
    output logic [63:0]  csr_rdata,

    // Commands: cmd_in_data = {dw1, dw0}
    input  logic         cmd_in_valid,
    output logic         cmd_in_ready,
    input  logic [127:0] cmd_in_data,

    output logic         sync_pulse,     // a CMD_SYNC completed (OP-7)
    output logic         intr_pri,       // PRIQ interrupt pulse (SMMU-PRIQ-13)
    output logic         intr_gerr       // GERROR interrupt pulse (SMMU-CMD-11)
);
    // ---------------------------------------------------------------- register offsets
    localparam logic [19:0] A_IDR0 = 20'h00000, A_IDR1 = 20'h00004, A_IDR3 = 20'h0000C,
                            A_IDR5 = 20'h00014, A_CR0 = 20'h00020, A_CR0ACK = 20'h00024,
                            A_IRQC = 20'h00050, A_IRQCACK = 20'h00054, A_GERR = 20'h00060,
                            A_GERRN = 20'h00064, A_CMDQC = 20'h0009C, A_QBASE = 20'h000C0,
                            A_QCFG2 = 20'h000DC, A_QPROD = 20'h100C8, A_QCONS = 20'h100CC;
    localparam int ABT = 3;   // GERROR.PRIQ_ABT_ERR
    localparam int CMDE = 0;  // GERROR.CMDQ_ERR

    // ---------------------------------------------------------------- queue geometry (SMMU-PRIQ-1, -2)
    logic [47:5] qaddr_q;
    logic [4:0]  qlog2_q;
    logic [19:0] prod_q, cons_q;
    logic        ovflg_q, ovack_q;

    wire  [4:0]  qn = (qlog2_q > 5'(PRIQS)) ? 5'(PRIQS) : qlog2_q;
    // Bits [n:0] of a pointer take part in compares; index = [n-1:0], wrap = [n].
    wire  [19:0] live_bits = (20'h2 << qn) - 20'h1;
    wire  [19:0] wrap_bit  = 20'h1 << qn;

    function automatic logic ring_full(input logic [19:0] p, input logic [19:0] c,
                                       input logic [19:0] live, input logic [19:0] wrap);
        return ((p ^ c) & live) == wrap;
    endfunction
    function automatic logic ring_empty(input logic [19:0] p, input logic [19:0] c,
                                        input logic [19:0] live);
        return ((p ^ c) & live) == 20'h0;
    endfunction

    // ---------------------------------------------------------------- control registers
    logic [3:0] cr0_q, cr0ack_q;
    logic [2:0] irqc_q, irqcack_q;
    logic [3:0] cr0_line_q [ACK_DELAY-1];
    logic [2:0] irqc_line_q [ACK_DELAY-1];
    logic       gerr_cmd_q, gerr_abt_q, gerrn_cmd_q, gerrn_abt_q;
    logic [6:0] cmdq_err_q;
    logic       lo_q;   // PRIQ_IRQ_CFG2.LO

    wire abt_active = gerr_abt_q != gerrn_abt_q;
    wire cmd_err_active = gerr_cmd_q != gerrn_cmd_q;

    // ---------------------------------------------------------------- register bus
    // A write takes effect at its handshake edge. A read latches its offset at the handshake
    // edge, samples the register file one edge later and shows the data after the edge after that.
    logic        rd_wait_q, rd_sample_q;
    logic [19:0] rd_addr_q;
    logic [63:0] rd_hold_q;
    wire csr_fire = csr_req && csr_rdy;
    wire wr_fire_reg = csr_fire && csr_we;
    wire [31:0] wlo = csr_wdata[31:0];

    wire w_cr0   = wr_fire_reg && csr_addr == A_CR0;
    wire w_irqc  = wr_fire_reg && csr_addr == A_IRQC;
    wire w_gerrn = wr_fire_reg && csr_addr == A_GERRN;
    // SMMU-PRIQ-14: BASE and PROD only while the queue is off and acknowledged off.
    wire q_off   = !cr0_q[1] && !cr0ack_q[1];
    wire w_base  = wr_fire_reg && csr_addr == A_QBASE && q_off;
    wire w_prod  = wr_fire_reg && csr_addr == A_QPROD && q_off;
    wire w_cfg2  = wr_fire_reg && csr_addr == A_QCFG2 && !irqc_q[1] && !irqcack_q[1];
    wire w_cons  = wr_fire_reg && csr_addr == A_QCONS;

    // OP-15: a CONS write at an edge is seen by every decision and acknowledgement at that edge.
    wire [19:0] cons_now  = w_cons ? wlo[19:0] : cons_q;
    wire        ovack_now = w_cons ? wlo[31] : ovack_q;

    function automatic logic [63:0] reg_value(input logic [19:0] a);
        case (a)
            A_IDR0:    reg_value = 64'h1 << 16;                                  // PRI, STALL_MODEL=0b00
            A_IDR1:    reg_value = {32'h0, 11'h0, 5'h0, 5'(PRIQS), 5'd20, 6'h0};  // EVENTQS=0: no event queue
            A_IDR3:    reg_value = 64'h20;                                       // PPS
            A_IDR5:    reg_value = 64'h0;                                        // STALL_MAX=0: nothing stalls
            A_CR0:     reg_value = {60'h0, cr0_q};
            A_CR0ACK:  reg_value = {60'h0, cr0ack_q};
            A_IRQC:    reg_value = {61'h0, irqc_q};
            A_IRQCACK: reg_value = {61'h0, irqcack_q};
            A_GERR:    reg_value = {60'h0, gerr_abt_q, 2'b00, gerr_cmd_q};
            A_GERRN:   reg_value = {60'h0, gerrn_abt_q, 2'b00, gerrn_cmd_q};
            A_CMDQC:   reg_value = {33'h0, cmdq_err_q, 24'h0};
            A_QBASE:   reg_value = {16'h0, qaddr_q, qlog2_q};
            A_QCFG2:   reg_value = {32'h0, lo_q, 31'h0};
            A_QPROD:   reg_value = {32'h0, ovflg_q, 11'h0, prod_q};
            A_QCONS:   reg_value = {32'h0, ovack_q, 11'h0, cons_q};
            default:   reg_value = 64'h0;
        endcase
    endfunction

    always_ff @(posedge clock) begin
        if (reset) begin
            rd_wait_q   <= 1'b0;
            rd_sample_q <= 1'b0;
            rd_addr_q   <= '0;
            rd_hold_q   <= '0;
            csr_rvalid  <= 1'b0;
            csr_rdata   <= '0;
            csr_rdy     <= 1'b1;
        end else begin
            csr_rvalid  <= 1'b0;
            rd_sample_q <= 1'b0;
            if (csr_fire && !csr_we) begin
                rd_wait_q <= 1'b1;
                rd_addr_q <= csr_addr;
                csr_rdy   <= 1'b0;
                rd_sample_q <= 1'b1;
            end else if (rd_sample_q) begin
                rd_hold_q <= reg_value(rd_addr_q);
            end else if (rd_wait_q) begin
                rd_wait_q  <= 1'b0;
                csr_rvalid <= 1'b1;
                csr_rdata  <= rd_hold_q;
                csr_rdy    <= 1'b1;
            end else begin
                csr_rdy <= 1'b1;
            end
        end
    end

    // ---------------------------------------------------------------- CR0 / IRQ_CTRL acknowledge (OP-9, SMMU-PRIQ-15)
    logic eng_busy;   // an entry write is in flight (defined with the write engine)
    wire [3:0] cr0_line_out = cr0_line_q[ACK_DELAY-2];
    // SMMUEN and PRIQEN do not read 0 while an entry write is outstanding.
    wire [3:0] cr0ack_next = eng_busy ? (cr0_line_out | (cr0ack_q & 4'b0011)) : cr0_line_out;
    wire       ack_moves = cr0ack_next != cr0ack_q;

    always_ff @(posedge clock) begin
        if (reset) begin
            cr0_q <= '0;
            cr0ack_q <= '0;
            irqc_q <= '0;
            irqcack_q <= '0;
            for (int k = 0; k < ACK_DELAY - 1; k++) begin
                cr0_line_q[k]  <= '0;
                irqc_line_q[k] <= '0;
            end
        end else begin
            if (w_cr0) cr0_q <= wlo[3:0];
            if (w_irqc) irqc_q <= wlo[2:0];
            cr0_line_q[0]  <= cr0_q;
            irqc_line_q[0] <= irqc_q;
            for (int k = 1; k < ACK_DELAY - 1; k++) begin
                cr0_line_q[k]  <= cr0_line_q[k-1];
                irqc_line_q[k] <= irqc_line_q[k-1];
            end
            cr0ack_q  <= cr0ack_next;
            irqcack_q <= irqc_line_q[ACK_DELAY-2];
        end
    end

    // ---------------------------------------------------------------- ingress
    localparam int MSG_W = 16 + 20 + 6 + 9 + 52;
    logic [MSG_W-1:0] in_head;
    logic in_has, in_full, in_take;
    alt_fifo #(.W(MSG_W), .N(IN_SLOTS)) ingress (
        .clock, .reset,
        .put(req_valid && req_ready), .put_item({req_sid, req_pasid, req_attr, req_prgi, req_page}),
        .take(in_take), .head(in_head), .has_item(in_has), .no_room(in_full)
    );
    assign req_ready = !in_full;

    wire [15:0] m_sid   = in_head[102:87];
    wire [19:0] m_pasid = in_head[86:67];
    wire        m_pv    = in_head[66];
    wire        m_priv  = in_head[65];
    wire        m_exe   = in_head[64];
    wire        m_l     = in_head[63];
    wire        m_w     = in_head[62];
    wire        m_r     = in_head[61];
    wire [8:0]  m_prgi  = in_head[60:52];
    wire [51:0] m_page  = in_head[51:0];
    // DEC-1, PRI-2: a Stop Marker is PV=1, L=1, R=W=0 and is never answered (SMMU-PRIQ-11).
    wire        m_stop  = m_pv && m_l && !m_r && !m_w;
    wire        m_wants_answer = m_l && !m_stop;

    // ---------------------------------------------------------------- responses
    localparam int RSP_W = 50;
    logic [RSP_W-1:0] auto_head, sw_head, auto_item, sw_item;
    logic auto_has, auto_full, auto_put, auto_take, sw_has, sw_full, sw_put, sw_take;
    alt_fifo #(.W(RSP_W), .N(AUTO_SLOTS)) auto_rsp (
        .clock, .reset, .put(auto_put), .put_item(auto_item), .take(auto_take),
        .head(auto_head), .has_item(auto_has), .no_room(auto_full)
    );
    alt_fifo #(.W(RSP_W), .N(SW_SLOTS)) sw_rsp (
        .clock, .reset, .put(sw_put), .put_item(sw_item), .take(sw_take),
        .head(sw_head), .has_item(sw_has), .no_room(sw_full)
    );
    alt_cpl_egress #(.W(RSP_W)) egress (
        .clock, .reset,
        .sw_has, .sw_item(sw_head), .sw_take,
        .auto_has, .auto_item(auto_head), .auto_take,
        .port_hold(cpl_hold), .port_valid(cpl_valid), .port_item(cpl_msg)
    );

    // ---------------------------------------------------------------- decision and write engine
    typedef enum logic [1:0] {IDLE, WRITE, WAIT_ACK} eng_t;
    eng_t eng_q;
    logic ent_l_q, ent_answer_q;       // the entry in flight: L, and whether it is an L=1 request
    logic [15:0] ent_sid_q;
    logic [8:0]  ent_prgi_q;
    assign eng_busy = eng_q != IDLE;

    // One message per decision, only when its automatic response has room and CR0ACK holds still.
    assign in_take = (eng_q == IDLE) && in_has && !auto_full && !ack_moves;
    wire row_a = !cr0ack_q[0] || !cr0ack_q[1] || abt_active;                  // SMMU-PRIQ-5, DEC-2
    wire row_b = !row_a && (ovflg_q != ovack_now);                            // SMMU-PRIQ-6, -8
    wire row_c = !row_a && !row_b && ring_full(prod_q, cons_now, live_bits, wrap_bit); // SMMU-PRIQ-7
    wire row_d = !row_a && !row_b && !row_c;                                   // SMMU-PRIQ-3

    wire wr_fire  = wr_req && wr_gnt;
    wire ack_fire = wr_done && wr_done_rdy;
    wire ack_ok   = ack_fire && !wr_fault;
    wire ack_bad  = ack_fire && wr_fault;                                      // SMMU-PRIQ-16

    // Entry address: base aligned to max(16 * 2^n, 32), plus 16 per slot (SMMU-PRIQ-1).
    wire [47:0] base_raw   = {qaddr_q, 5'h0};
    wire [47:0] align_mask = ~((48'h10 << qn) - 48'h1) & ~48'h1F;
    wire [47:0] slot_off   = {24'h0, (prod_q & (wrap_bit - 20'h1)), 4'h0};
    // SMMU-PRIQ-4: PASID, Priv and Exe only with SSV; RES0 bits 0.
    wire [63:0] dw0 = {m_pv, m_l, m_w, m_r, m_exe & m_pv, m_priv & m_pv, 6'h0,
                       m_pv ? m_pasid : 20'h0, 16'h0, m_sid};
    wire [63:0] dw1 = {m_page, 3'h0, m_prgi};

    // Automatic responses: from a decision (rows a-c) or from an aborted write (SMMU-PRIQ-16).
    wire dec_answer = in_take && m_wants_answer && !row_d;
    assign auto_put = dec_answer || (ack_bad && ent_answer_q);
    // rid, pv, pasid, prgi, code
    assign auto_item = ack_bad ? {ent_sid_q, 1'b0, 20'h0, ent_prgi_q, 4'hF}
                     : row_a   ? {m_sid, 1'b0, 20'h0, m_prgi, 4'hF}               // DEC-2: no PASID
                     :           {m_sid, m_pv, m_pv ? m_pasid : 20'h0, m_prgi, 4'h0}; // DEC-3

    wire queue_was_empty = ring_empty(prod_q, cons_now, live_bits);
    wire [19:0] prod_next = (prod_q & ~live_bits) | ((prod_q + 20'h1) & live_bits);

    // SMMU-PRIQ-13: LO=0 -> an entry written into an empty queue; LO=1 -> every L=1 message
    // written (row d) or discarded by an overflow (rows b, c).
    wire pri_trigger = (ack_ok && (lo_q ? ent_l_q : queue_was_empty))
                    || (in_take && lo_q && m_l && (row_b || row_c));

    always_ff @(posedge clock) begin
        if (reset) begin
            eng_q <= IDLE;
            ent_l_q <= 1'b0;
            ent_answer_q <= 1'b0;
            ent_sid_q <= '0;
            ent_prgi_q <= '0;
            wr_req <= 1'b0;
            wr_addr <= '0;
            wr_data <= '0;
            wr_done_rdy <= 1'b0;
        end else begin
            case (eng_q)
                IDLE: if (in_take && row_d) begin
                    eng_q <= WRITE;
                    wr_req <= 1'b1;
                    wr_addr <= (base_raw & align_mask) + slot_off;
                    wr_data <= {dw1, dw0};
                    ent_l_q <= m_l;
                    ent_answer_q <= m_wants_answer;
                    ent_sid_q <= m_sid;
                    ent_prgi_q <= m_prgi;
                end
                WRITE: if (wr_fire) begin
                    eng_q <= WAIT_ACK;
                    wr_req <= 1'b0;
                    wr_done_rdy <= 1'b1;
                end
                WAIT_ACK: if (ack_fire) begin
                    eng_q <= IDLE;
                    wr_done_rdy <= 1'b0;
                end
                default: eng_q <= IDLE;
            endcase
        end
    end

    // ---------------------------------------------------------------- commands (SMMU-CMD-*)
    logic sync_wait_q;
    /* verilator lint_off UNUSEDSIGNAL */  // RES0 and unused command fields are ignored (OP-6)
    wire [63:0] c0 = cmd_in_data[63:0];
    wire [63:0] c1 = cmd_in_data[127:64];
    /* verilator lint_on UNUSEDSIGNAL */
    assign cmd_in_ready = !cmd_err_active && !sw_full && !sync_wait_q;
    wire cmd_fire = cmd_in_valid && cmd_in_ready;
    wire [7:0] op = c0[7:0];
    wire [1:0] resp = c1[13:12];

    logic cmd_illegal;
    always_comb begin
        case (op)
            8'h41: cmd_illegal = resp == 2'b11;                               // DEC-4
            8'h46: cmd_illegal = c0[13:12] == 2'b11;                          // CS=0b11
            // CMD_RESUME, CMD_STALL_TERM: legal with STALL_MODEL=0b00; no stall can be outstanding.
            8'h44, 8'h45: cmd_illegal = 1'b0;
            // OP-6: defined but not implemented here.
            8'h01, 8'h02, 8'h03, 8'h04, 8'h05, 8'h06, 8'h10, 8'h11, 8'h12,
            8'h20, 8'h21, 8'h22, 8'h28, 8'h2A, 8'h30, 8'h40: cmd_illegal = 1'b0;
            default: cmd_illegal = 1'b1;
        endcase
    end
    wire cmd_bad  = cmd_fire && cmd_illegal;                                  // SMMU-CMD-2
    wire cmd_sync = cmd_fire && !cmd_illegal && op == 8'h46;
    // SMMU-CMD-3, -5: a response only while SMMUEN is acknowledged.
    assign sw_put  = cmd_fire && !cmd_illegal && op == 8'h41 && cr0ack_q[0];
    assign sw_item = {c0[47:32], c0[11], c0[11] ? c0[31:12] : 20'h0, c1[8:0],
                      resp == 2'b00 ? 4'hF : resp == 2'b01 ? 4'h1 : 4'h0};
    // SMMU-CMD-9: complete once every earlier CMD_PRI_RESP is committed (the FIFO is empty).
    wire sync_done_now = (cmd_sync || sync_wait_q) && !sw_has;

    // ---------------------------------------------------------------- queue pointers, errors, interrupts
    wire abt_raise = ack_bad && !abt_active;
    wire cmd_raise = cmd_bad && !cmd_err_active;

    always_ff @(posedge clock) begin
        if (reset) begin
            qaddr_q <= '0;
            qlog2_q <= '0;
            prod_q <= '0;
            ovflg_q <= 1'b0;
            cons_q <= '0;
            ovack_q <= 1'b0;
            lo_q <= 1'b0;
            gerr_cmd_q <= 1'b0;
            gerr_abt_q <= 1'b0;
            gerrn_cmd_q <= 1'b0;
            gerrn_abt_q <= 1'b0;
            cmdq_err_q <= '0;
            sync_wait_q <= 1'b0;
            sync_pulse <= 1'b0;
            intr_pri <= 1'b0;
            intr_gerr <= 1'b0;
        end else begin
            if (w_base) begin
                qaddr_q <= csr_wdata[47:5];
                qlog2_q <= csr_wdata[4:0];
            end
            if (w_cons) begin
                cons_q <= wlo[19:0];
                ovack_q <= wlo[31];
            end
            if (w_cfg2) lo_q <= wlo[31];
            if (w_gerrn) begin
                gerrn_cmd_q <= wlo[CMDE];
                gerrn_abt_q <= wlo[ABT];
            end
            // PROD: software while the queue is off, hardware while it is on (SMMU-PRIQ-3).
            if (w_prod) begin
                prod_q <= wlo[19:0];
                ovflg_q <= wlo[31];
            end else begin
                if (ack_ok) prod_q <= prod_next;
                if (in_take && row_c) ovflg_q <= !ovflg_q;                    // SMMU-PRIQ-7
            end
            if (abt_raise) gerr_abt_q <= !gerr_abt_q;
            if (cmd_raise) begin
                gerr_cmd_q <= !gerr_cmd_q;
                cmdq_err_q <= 7'h01;                                          // CERROR_ILL
            end
            sync_wait_q <= (cmd_sync || sync_wait_q) && !sync_done_now;
            sync_pulse <= sync_done_now;
            intr_pri <= pri_trigger && irqcack_q[1];
            intr_gerr <= (abt_raise || cmd_raise) && irqcack_q[0];
        end
    end
endmodule
