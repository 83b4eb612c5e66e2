// Plain C++ Verilator loop for the SMMUv3 event queue: the reference point of `make bench` for
// the `evtq` workload. It drives the same Verilated build of smmuv3_priq as the harness, with the
// same kind of stimulus (an event record, stall records among them, on every cycle the event
// input is ready; event-record memory always ready with a one-cycle acknowledgement; the
// stall-resolution output always ready; a host that polls EVENTQ_PROD, returns every record with
// a CONS write and answers each stall record with CMD_RESUME), but checks nothing. The PRIQ idles.
// Usage: plain_loop CYCLES   -> prints "cycles <N> seconds <S>"
#include "Vsmmuv3_priq.h"
#include "plain_loop.h"
#include "verilated.h"

#include <cstdint>
#include <deque>

namespace {

constexpr uint32_t CR0 = 0x20, EVENTQ_BASE = 0xA0, EVENTQ_PROD = 0x100A8, EVENTQ_CONS = 0x100AC;

}  // namespace

int main(int argc, char** argv) {
    using namespace plain_loop;
    const uint64_t cycles = cycles_arg(argc, argv);
    auto ctx = new VerilatedContext;
    auto top = new Vsmmuv3_priq{ctx};

    reset(top);

    RegBus regs;
    regs.ops = {{true, EVENTQ_BASE, 0x200000000ull | 4}, {true, CR0, 0x5}};
    std::deque<uint64_t> cmd_dw0;  // CMD_RESUME (dw0, dw1) of each stall record written
    std::deque<uint64_t> cmd_dw1;
    bool ack_due = false;
    uint64_t rec = next_rand();
    uint64_t cons = 0;

    auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < cycles; ++c) {
        // Inputs for this cycle, from the outputs after the last edge.
        top->ev_valid = 1;
        top->ev_id = (rec & 3) == 0 ? 0x10 | ((rec >> 2) & 3) : 0x02;
        top->ev_sid = 0x100 | ((rec >> 4) & 0x7);
        top->ev_ssv = (rec >> 7) & 1;
        top->ev_ssid = (rec >> 8) & 0xFFFFF;
        top->ev_stall = 1;
        top->ev_pnu = (rec >> 28) & 1;
        top->ev_ind = (rec >> 29) & 1;
        top->ev_rnw = (rec >> 30) & 1;
        top->ev_s2 = 0;
        top->ev_class = (rec >> 31) & 1;
        top->ev_ttrnw = 0;
        top->ev_iaddr = rec;
        top->ev_addr2 = (rec >> 11) & ((1ull << 53) - 1);
        top->sr_ready = 1;
        top->emw_ready = 1;
        top->emwack_valid = ack_due;
        top->emwack_err = 0;
        top->rsp_ready = 1;
        regs.poll(c, EVENTQ_PROD);
        const bool reg_hs = regs.drive(top);
        top->cmd_valid = !cmd_dw0.empty();
        if (top->cmd_valid) {
            top->cmd_dw0 = cmd_dw0.front();
            top->cmd_dw1 = cmd_dw1.front();
        }
        const bool ev_hs = top->ev_ready, emw_hs = top->emw_valid, ack_hs = ack_due && top->emwack_ready;
        const bool cmd_hs = top->cmd_valid && top->cmd_ready;
        const uint64_t dw0 = top->emw_data[0] | (uint64_t)top->emw_data[1] << 32;
        const uint64_t dw1 = top->emw_data[2] | (uint64_t)top->emw_data[3] << 32;
        tick(top);
        // Handshakes at this edge.
        if (ev_hs) rec = next_rand();
        if (emw_hs) {
            ack_due = true;
            if ((dw1 >> 31) & 1) {  // a stall record: resume it (retry) like the host does
                cmd_dw0.push_back(0x44 | 1ull << 12 | (dw0 & 0xFFFFFFFF00000000ull));
                cmd_dw1.push_back(dw1 & 0xFFFF);
            }
        }
        if (ack_hs) ack_due = false;
        uint32_t read_addr;
        if (regs.read_data(top, reg_hs, &read_addr)) {
            if (read_addr == EVENTQ_PROD && (top->reg_rdata & 0xFFFFF) != (cons & 0xFFFFF)) {
                cons = top->reg_rdata;  // consume everything, acknowledge any overflow
                regs.ops.push_back({true, EVENTQ_CONS, cons});
            }
        }
        if (cmd_hs) {
            cmd_dw0.pop_front();
            cmd_dw1.pop_front();
        }
    }
    report(cycles, start);
    top->final();
    delete top;
    delete ctx;
    return 0;
}
