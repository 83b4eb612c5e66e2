// Registered synchronous FIFO.
//
// - push and pop may happen at the same edge (also when full: the popped slot is reused).
// - count, empty, full and head are functions of registers only, so a consumer can decide
//   from them without a combinational path from its own inputs.
// - An entry pushed at edge t is at the head from edge t+1 on.
// - A push while full without a pop, or a pop while empty, is ignored (callers never do it).
// - Synchronous active-low reset clears the pointers, the count and the storage.
module sync_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 4
) (
    input  logic                         clk,
    input  logic                         rst_n,
    input  logic                         push,
    input  logic [WIDTH-1:0]             push_data,
    input  logic                         pop,
    output logic [WIDTH-1:0]             head,
    output logic                         empty,
    output logic                         full,
    output logic [$clog2(DEPTH+1)-1:0]   count
);
    localparam int PTR_W = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    localparam int CNT_W = $clog2(DEPTH + 1);
    localparam logic [PTR_W-1:0] LAST_SLOT = PTR_W'(DEPTH - 1);
    localparam logic [CNT_W-1:0] FULL_COUNT = CNT_W'(DEPTH);

    logic [WIDTH-1:0] slots_q [DEPTH];
    logic [PTR_W-1:0] rd_ptr_q, wr_ptr_q;
    logic [CNT_W-1:0] count_q;

    assign count = count_q;
    assign empty = (count_q == '0);
    assign full  = (count_q == FULL_COUNT);
    assign head  = slots_q[rd_ptr_q];

    wire do_pop  = pop && !empty;
    wire do_push = push && (!full || do_pop);

    function automatic logic [PTR_W-1:0] next_ptr(input logic [PTR_W-1:0] p);
        return (p == LAST_SLOT) ? '0 : p + 1'b1;
    endfunction

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            rd_ptr_q <= '0;
            wr_ptr_q <= '0;
            count_q  <= '0;
            for (int i = 0; i < DEPTH; i++) slots_q[i] <= '0;
        end else begin
            if (do_push) begin
                slots_q[wr_ptr_q] <= push_data;
                wr_ptr_q          <= next_ptr(wr_ptr_q);
            end
            if (do_pop) rd_ptr_q <= next_ptr(rd_ptr_q);
            if (do_push && !do_pop)      count_q <= count_q + 1'b1;
            else if (do_pop && !do_push) count_q <= count_q - 1'b1;
        end
    end
endmodule
