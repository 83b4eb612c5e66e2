// PRG-response egress of the alternative PRIQ block: the single response egress of DEC-12 as a
// two-register pipeline. A response is committed when it enters the first register (`stage`);
// it reaches the port register one edge later. The choice between the two source FIFOs is a
// fixed priority, software responses first (OP-16; why: alt/smmuv3_priq/README.md).
module alt_cpl_egress #(
    parameter int W = 50
) (
    input  logic         clock,
    input  logic         reset,
    // software-response FIFO head (preferred)
    input  logic         sw_has,
    input  logic [W-1:0] sw_item,
    output logic         sw_take,
    // automatic-response FIFO head
    input  logic         auto_has,
    input  logic [W-1:0] auto_item,
    output logic         auto_take,
    // port side
    input  logic         port_hold,   // 1: the link does not take a response this cycle
    output logic         port_valid,
    output logic [W-1:0] port_item
);
    logic         stage_v_q, port_v_q;
    logic [W-1:0] stage_q, port_q;

    wire port_free  = !port_v_q || !port_hold;      // port register empties or is empty
    wire stage_move = stage_v_q && port_free;       // stage -> port at this edge
    wire stage_free = !stage_v_q || stage_move;

    assign sw_take   = stage_free && sw_has;
    assign auto_take = stage_free && !sw_has && auto_has;

    always_ff @(posedge clock) begin
        if (reset) begin
            stage_v_q <= 1'b0;
            stage_q   <= '0;
            port_v_q  <= 1'b0;
            port_q    <= '0;
        end else begin
            if (port_free) port_v_q <= stage_v_q;
            if (stage_move) port_q <= stage_q;
            if (stage_free) stage_v_q <= sw_has || auto_has;
            if (sw_take) stage_q <= sw_item;
            else if (auto_take) stage_q <= auto_item;
        end
    end

    assign port_valid = port_v_q;
    assign port_item  = port_q;
endmodule
