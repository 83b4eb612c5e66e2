// Queue pointer arithmetic of an in-memory ring with a runtime size (SMMU-PRIQ-2).
//
// A pointer is PTR_W bits: index = [n-1:0], wrap = [n], bits [PTR_W-1:n+1] are carried
// but never compared. n = min(log2size, MAX_LOG2) (e.g. min(PRIQ_BASE.LOG2SIZE, IDR1.PRIQS)).
// Purely combinational; flag bits outside the pointer field (OVFLG, OVACKFLG) are the
// caller's business.
module ring_ptr #(
    parameter int PTR_W    = 20,   // index + wrap + ignored upper bits
    parameter int SIZE_W   = 5,    // width of the log2size field
    parameter int MAX_LOG2 = 8     // largest log2size honoured; at most PTR_W-1
) (
    input  logic [SIZE_W-1:0] log2size,
    input  logic [PTR_W-1:0]  prod,
    input  logic [PTR_W-1:0]  cons,
    output logic [SIZE_W-1:0] n,          // effective log2 of the queue size
    output logic [PTR_W-1:0]  idx_mask,   // bits [n-1:0]
    output logic [PTR_W-1:0]  wrap_mask,  // bit [n]
    output logic              empty,      // equal index and equal wrap
    output logic              full,       // equal index, different wrap
    output logic [PTR_W-1:0]  prod_incr   // prod + 1 in bits [n:0] mod 2^(n+1), upper bits kept
);
    localparam logic [SIZE_W-1:0] MAX_N = SIZE_W'(MAX_LOG2);

    // Bits [n:0]: the part of a pointer that is compared and incremented.
    logic [PTR_W-1:0] cmp_mask;
    logic [PTR_W-1:0] diff;

    assign n         = (log2size > MAX_N) ? MAX_N : log2size;
    assign cmp_mask  = {PTR_W{1'b1}} >> (PTR_W - 1 - int'(n));
    assign idx_mask  = cmp_mask >> 1;
    assign wrap_mask = cmp_mask & ~idx_mask;

    assign diff      = prod ^ cons;
    assign empty     = ~|(diff & cmp_mask);
    // Full: equal index, different wrap, i.e. the compared bits differ in the wrap bit only.
    assign full      = (diff & cmp_mask) == wrap_mask;
    assign prod_incr = (prod & ~cmp_mask) | ((prod + 1'b1) & cmp_mask);
endmodule
