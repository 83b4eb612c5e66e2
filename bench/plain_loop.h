// What both plain C++ loops of `make bench` share: a cheap deterministic random source, the
// register-bus operation queue entry, clocking and reset of a Verilated top, and the report.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

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
