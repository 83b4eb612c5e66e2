// Single response egress register fed by two FIFO heads with fixed priority (DEC-12, OP-16).
//
// At an edge the register loads a new item if it is empty before the edge or its handshake
// happens at the edge. It takes the high-priority head if that FIFO is not empty, else the
// low-priority head; the load pops that FIFO (the load is the *commit* of the item). With
// nothing to load, out_valid goes 0 and out_data keeps the last loaded item.
module rsp_arbiter #(
    parameter int WIDTH = 8
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic             hi_valid,   // high-priority FIFO not empty
    input  logic [WIDTH-1:0] hi_data,    // its head
    output logic             hi_pop,
    input  logic             lo_valid,   // low-priority FIFO not empty
    input  logic [WIDTH-1:0] lo_data,
    output logic             lo_pop,
    output logic             out_valid,
    output logic [WIDTH-1:0] out_data,
    input  logic             out_ready
);
    logic             out_valid_q;
    logic [WIDTH-1:0] out_data_q;

    wire slot_free = !out_valid_q || out_ready;   // empty, or its handshake at this edge

    assign hi_pop    = slot_free && hi_valid;
    assign lo_pop    = slot_free && !hi_valid && lo_valid;
    assign out_valid = out_valid_q;
    assign out_data  = out_data_q;

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            out_valid_q <= 1'b0;
            out_data_q  <= '0;
        end else if (slot_free) begin
            out_valid_q <= hi_valid || lo_valid;
            if (hi_pop)      out_data_q <= hi_data;
            else if (lo_pop) out_data_q <= lo_data;
        end
    end
endmodule
