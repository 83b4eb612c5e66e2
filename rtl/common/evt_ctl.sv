// Interrupt-event control of one VT-d event register group (xECTL IM/IP; VTD-PRQ-13, -14,
// VTD-FLT-6, VTD-IQ-8). Generic: the caller supplies the event condition and whether all of
// the unit's status sources are 0 after this edge.
//
// At an edge, with im_eff = the IM value after this edge's software write (if any):
//   1. cond: im_eff=0 -> MSI triggered (msi=1), IP := 0; im_eff=1 -> IP := 1.
//   2. else IP=1 before the edge and im_eff=0 (software cleared IM) -> MSI triggered, IP := 0.
//   3. then, if srcs_clear (all sources 0 after the edge) -> IP := 0 without an MSI.
// IM resets to 1, IP to 0. `msi` is combinational (a function of this edge's inputs) and is
// meant to feed a pending flag register in the caller.
module evt_ctl (
    input  logic clk,
    input  logic rst_n,
    input  logic im_wr,        // software write of the control register at this edge
    input  logic im_wdata,     // the IM bit written
    input  logic cond,         // event condition at this edge
    input  logic srcs_clear,   // every source of the unit is 0 after this edge
    output logic im,
    output logic ip,
    output logic msi           // MSI trigger at this edge
);
    logic im_q, ip_q, ip_d;
    wire  im_eff = im_wr ? im_wdata : im_q;

    always_comb begin
        msi  = 1'b0;
        ip_d = ip_q;
        if (cond) begin
            if (!im_eff) msi  = 1'b1;
            ip_d = im_eff;
        end else if (ip_q && !im_eff) begin
            msi  = 1'b1;
            ip_d = 1'b0;
        end
        if (srcs_clear) ip_d = 1'b0;
    end

    always_ff @(posedge clk) begin
        if (!rst_n) begin
            im_q <= 1'b1;
            ip_q <= 1'b0;
        end else begin
            im_q <= im_eff;
            ip_q <= ip_d;
        end
    end

    assign im = im_q;
    assign ip = ip_q;
endmodule
