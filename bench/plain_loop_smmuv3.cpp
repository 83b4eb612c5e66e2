// Plain C++ Verilator loop: the reference point of `make bench`.
// It drives the same Verilated build of smmuv3_priq as the harness, with the same kind of
// stimulus (page requests on every cycle the ingress is ready, memory always ready with a
// one-cycle acknowledgement, the egress always ready, a host that polls PROD, returns every
// entry with a CONS write and answers each L=1 entry with CMD_PRI_RESP), but checks nothing.
// Usage: plain_loop CYCLES   -> prints "cycles <N> seconds <S>"
#include "Vsmmuv3_priq.h"
#include "plain_loop.h"
#include "verilated.h"

#include <cstdint>
#include <deque>

namespace {

constexpr uint32_t CR0 = 0x20, CR0ACK = 0x24, PRIQ_BASE = 0xC0, PRIQ_PROD = 0x100C8, PRIQ_CONS = 0x100CC;



}  // namespace

int main(int argc, char** argv) {
    using namespace plain_loop;
    const uint64_t cycles = cycles_arg(argc, argv);
    auto ctx = new VerilatedContext;
    auto top = new Vsmmuv3_priq{ctx};

    reset(top);

    RegBus regs;
    regs.ops = {{true, PRIQ_BASE, 0x80000000ull | 4}, {true, CR0, 3}};
    std::deque<uint64_t> cmds;  // dw1 of CMD_PRI_RESP to send (dw0 built from the entry)
    std::deque<uint64_t> cmd_dw0;
    bool ack_due = false;
    uint64_t msg = next_rand();
    uint64_t cons = 0;

    auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < cycles; ++c) {
        // Inputs for this cycle, from the outputs after the last edge.
        top->pr_valid = 1;
        top->pr_rid = 0x100 | (msg & 0x7);
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
        top->mwack_err = 0;
        regs.poll(c, PRIQ_PROD);
        const bool reg_hs = regs.drive(top);
        top->cmd_valid = !cmds.empty();
        if (top->cmd_valid) {
            top->cmd_dw0 = cmd_dw0.front();
            top->cmd_dw1 = cmds.front();
        }
        const bool pr_hs = top->pr_ready, mw_hs = top->mw_valid, ack_hs = ack_due && top->mwack_ready;
        const bool cmd_hs = top->cmd_valid && top->cmd_ready;
        const uint64_t dw0 = top->mw_data[0] | (uint64_t)top->mw_data[1] << 32;
        const uint64_t dw1 = top->mw_data[2] | (uint64_t)top->mw_data[3] << 32;
        tick(top);
        // Handshakes at this edge.
        if (pr_hs) msg = next_rand();
        if (mw_hs) {
            ack_due = true;
            if ((dw0 >> 62) & 1) {  // L=1 entry: answer it like the host does
                cmd_dw0.push_back(0x41 | (dw0 & (1ull << 63)) >> 52 | ((dw0 >> 32) & 0xFFFFF) << 12 | (dw0 & 0xFFFF) << 32);
                cmds.push_back((dw1 & 0x1FF) | 2ull << 12);
            }
        }
        if (ack_hs) ack_due = false;
        uint32_t read_addr;
        if (regs.read_data(top, reg_hs, &read_addr)) {
            if (read_addr == PRIQ_PROD && (top->reg_rdata & 0xFFFFF) != (cons & 0xFFFFF)) {
                cons = top->reg_rdata;  // consume everything, acknowledge any overflow
                regs.ops.push_back({true, PRIQ_CONS, cons});
            }
        }
        if (cmd_hs) {
            cmds.pop_front();
            cmd_dw0.pop_front();
        }
    }
    report(cycles, start);
    top->final();
    delete top;
    delete ctx;
    return 0;
}
