// Delay line from a control register to its acknowledge register (e.g. CR0 -> CR0ACK).
//
// LAT registers in total, the acknowledge register being the last one: the control value
// before edge t reaches `ack` after edge t+LAT-1, so a control write at edge t shows in
// `ack` after edge t+LAT. Bits set in `hold_high` (a function of registers) do not fall
// 1->0 at this edge: they keep 1 and take the line's value again at the next edge.
// `ack_next` is the value `ack` takes at this edge, for "does ack change now" decisions.
module ack_delay #(
    parameter int WIDTH = 4,
    parameter int LAT   = 2   // at least 1
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic [WIDTH-1:0] ctrl,
    input  logic [WIDTH-1:0] hold_high,
    output logic [WIDTH-1:0] ack,
    output logic [WIDTH-1:0] ack_next
);
    logic [WIDTH-1:0] ack_q;
    logic [WIDTH-1:0] line_tail;   // value arriving at the acknowledge register

    if (LAT <= 1) begin : g_direct
        assign line_tail = ctrl;
    end else begin : g_stages
        logic [WIDTH-1:0] stage_q [LAT-1];
        always_ff @(posedge clk) begin
            if (!rst_n) begin
                for (int k = 0; k < LAT - 1; k++) stage_q[k] <= '0;
            end else begin
                stage_q[0] <= ctrl;
                for (int k = 1; k < LAT - 1; k++) stage_q[k] <= stage_q[k-1];
            end
        end
        assign line_tail = stage_q[LAT-2];
    end

    assign ack      = ack_q;
    assign ack_next = line_tail | (ack_q & hold_high);

    always_ff @(posedge clk) begin
        if (!rst_n) ack_q <= '0;
        else        ack_q <= ack_next;
    end
endmodule
