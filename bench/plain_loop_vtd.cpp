// Plain C++ Verilator loop: the reference point of `make bench` for the VT-d flavor.
// It drives the same Verilated build of vtd_prq as the harness, with the same kind of stimulus
// (page requests of an enabled requester on every cycle the ingress is ready, memory always
// ready with a one-cycle acknowledgement, the egress always ready, a host that polls PQT, moves
// PQH over every descriptor and answers each LPIG=1 descriptor with a page_grp_resp_dsc), but
// checks nothing.
// Usage: plain_loop CYCLES   -> prints "cycles <N> seconds <S>"
#include "Vvtd_prq.h"
#include "plain_loop.h"
#include "verilated.h"

#include <array>
#include <cstdint>
#include <deque>

namespace {

constexpr uint32_t PQH = 0xC0, PQT = 0xC8, PQA = 0xD0, PRS = 0xDC, PRE0 = 0x800;
constexpr uint16_t RID = 0x100;



}  // namespace

int main(int argc, char** argv) {
    using namespace plain_loop;
    const uint64_t cycles = cycles_arg(argc, argv);
    auto ctx = new VerilatedContext;
    auto top = new Vvtd_prq{ctx};

    reset(top);

    // PRQ of 128 entries at 0x8000_0000 (PQS = 0); requester RID enabled in PRE[0] (DEC-5).
    RegBus regs;
    regs.ops = {{true, PQA, 0x80000000ull}, {true, PRE0, RID | 1ull << 16}};
    std::deque<std::array<uint64_t, 2>> descs;  // page_grp_resp_dsc QW0, QW1 to submit
    bool ack_due = false;
    uint64_t msg = next_rand();
    uint64_t pqh = 0;

    auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < cycles; ++c) {
        // Inputs for this cycle, from the outputs after the last edge.
        top->pr_valid = 1;
        top->pr_rid = RID;
        top->pr_pv = (msg >> 3) & 1;
        top->pr_pasid = top->pr_pv ? (msg >> 4) & 0xFFFFF : 0;
        top->pr_r = 1;
        top->pr_w = (msg >> 24) & 1;
        top->pr_l = (msg >> 25) & 1;
        top->pr_prgi = (msg >> 26) & 0x1FF;
        top->pr_addr = (msg >> 12) & 0xFFFFFFFFFull;
        top->rsp_ready = 1;
        top->mw_ready = 1;
        top->mwack_valid = ack_due;
        regs.poll(c, PQT);
        const bool reg_hs = regs.drive(top);
        top->iq_valid = !descs.empty();
        if (top->iq_valid) {
            top->iq_qw0 = descs.front()[0];
            top->iq_qw1 = descs.front()[1];
            top->iq_qw2 = 0;
            top->iq_qw3 = 0;
        }
        const bool pr_hs = top->pr_ready, mw_hs = top->mw_valid, ack_hs = ack_due && top->mwack_ready;
        const bool iq_hs = top->iq_valid && top->iq_ready;
        const bool is_desc = top->mw_kind == 0;
        const uint64_t qw0 = top->mw_data[0] | (uint64_t)top->mw_data[1] << 32;
        const uint64_t qw1 = top->mw_data[2] | (uint64_t)top->mw_data[3] << 32;
        tick(top);
        // Handshakes at this edge.
        if (pr_hs) msg = next_rand();
        if (mw_hs) {
            ack_due = true;
            if (is_desc && (qw1 >> 2) & 1) {  // LPIG=1: answer Success like the host does
                const uint64_t pp = (qw0 >> 8) & 1;
                descs.push_back({0x09 | pp << 4 | (qw0 & 0xFFFF0000ull) | (qw0 & 0xFFFFFull << 32), (qw1 & 0xFF8) | 4});
            }
        }
        if (ack_hs) ack_due = false;
        uint32_t read_addr;
        if (regs.read_data(top, reg_hs, &read_addr)) {
            if (read_addr == PQT && top->reg_rdata != pqh) {
                pqh = top->reg_rdata;  // consume everything, clear PPR and PRO
                regs.ops.push_back({true, PQH, pqh});
                regs.ops.push_back({true, PRS, 3});
            }
        }
        if (iq_hs) descs.pop_front();
    }
    report(cycles, start);
    top->final();
    delete top;
    delete ctx;
    return 0;
}
