// What the plain C++ loops of `make bench` share: a cheap deterministic random source, the
// host's register bus, clocking and reset of a Verilated top, and the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>

namespace plain_loop {

inline uint64_t next_rand() {  // xorshift64*: cheap, deterministic
    static uint64_t state = 0x9E3779B97F4A7C15ull;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
}

struct RegOp {
    bool write;
    uint32_t addr;
    uint64_t data;
};

// The host's register bus: queued operations presented one at a time; a read waits for its data
// before the next operation goes out.
struct RegBus {
    std::deque<RegOp> ops;
    bool read_pending = false;
    uint32_t read_addr = 0;

    // Poll `addr` every 64 cycles while nothing else is queued (the host reading its producer).
    void poll(uint64_t cycle, uint32_t addr) {
        if (cycle % 64 == 0 && !read_pending && ops.empty()) ops.push_back({false, addr, 0});
    }
    // Present the next operation for this cycle; returns whether the coming edge takes it.
    template <typename Top>
    bool drive(Top* top) {
        top->reg_valid = !ops.empty() && !read_pending;
        if (top->reg_valid) {
            top->reg_write = ops.front().write;
            top->reg_addr = ops.front().addr;
            top->reg_wdata = ops.front().data;
        }
        return top->reg_valid && top->reg_ready;
    }
    // After the edge: retire a taken operation; true, with the read's address, when read data is shown.
    template <typename Top>
    bool read_data(Top* top, bool taken, uint32_t* addr) {
        if (taken) {
            read_pending = !ops.front().write;
            read_addr = ops.front().addr;
            ops.pop_front();
        }
        if (!(top->reg_rvalid && read_pending)) return false;
        read_pending = false;
        *addr = read_addr;
        return true;
    }
};

template <typename Top>
void tick(Top* top) {
    top->clk = 0;
    top->eval();
    top->clk = 1;
    top->eval();
}

template <typename Top>
void reset(Top* top) {
    top->rst_n = 0;
    tick(top);
    tick(top);
    top->rst_n = 1;
}

inline uint64_t cycles_arg(int argc, char** argv) {
    return argc > 1 ? strtoull(argv[1], nullptr, 10) : 1000000;
}

inline void report(uint64_t cycles, std::chrono::steady_clock::time_point start) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    printf("cycles %llu seconds %.6f\n", (unsigned long long)cycles, secs);
}

}  // namespace plain_loop
