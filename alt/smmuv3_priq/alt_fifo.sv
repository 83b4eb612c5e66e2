// Circular-buffer FIFO of the alternative PRIQ block (alt/smmuv3_priq/README.md).
// Read and write indices plus an occupancy counter, all registered; the head word is read
// straight from storage. A push into a full FIFO or a pop from an empty one is ignored, so a
// caller's missing guard shows up as a lost or stale item rather than as corrupted indices.
module alt_fifo #(
    parameter int W = 8,  // item width in bits
    parameter int N = 2   // capacity in items, at least 1
) (
    input  logic         clock,
    input  logic         reset,   // synchronous, active high
    input  logic         put,
    input  logic [W-1:0] put_item,
    input  logic         take,
    output logic [W-1:0] head,
    output logic         has_item,
    output logic         no_room
);
    localparam int IW = (N > 1) ? $clog2(N) : 1;

    logic [W-1:0]  slot_q [N];
    logic [IW-1:0] rd_q, wr_q;
    logic [$clog2(N+1)-1:0] used_q;

    wire do_put  = put && (used_q != N[$clog2(N+1)-1:0]);
    wire do_take = take && (used_q != '0);

    function automatic logic [IW-1:0] step(input logic [IW-1:0] i);
        // Wrap explicitly: N need not be a power of two.
        return (i == IW'(N - 1)) ? '0 : i + 1'b1;
    endfunction

    always_ff @(posedge clock) begin
        if (reset) begin
            rd_q   <= '0;
            wr_q   <= '0;
            used_q <= '0;
            for (int k = 0; k < N; k++) slot_q[k] <= '0;
        end else begin
            if (do_put) begin
                slot_q[wr_q] <= put_item;
                wr_q         <= step(wr_q);
            end
            if (do_take) rd_q <= step(rd_q);
            used_q <= used_q + {{($clog2(N+1)-1){1'b0}}, do_put} - {{($clog2(N+1)-1){1'b0}}, do_take};
        end
    end

    assign head     = slot_q[rd_q];
    assign has_item = (used_q != '0);
    assign no_room  = (used_q == N[$clog2(N+1)-1:0]);
endmodule
