"""The workload every side of the Python bench runs: page requests in batches through the SMMUv3
PRIQ, each batch one page request group of each of two functions; once PROD covers the batch,
software answers both groups (CMD_PRI_RESP) and consumes the entries (CONS := PROD)."""

from iommu_tb import PageRequest, smmuv3

PRIQ_PROD, PRIQ_CONS = 0x100C8, 0x100CC
LOG2SIZE = 4  # 16 entries
BATCH = 8


FUNCTIONS = (0x0100, 0x0200)
GROUP = BATCH // len(FUNCTIONS)


def batch(k):
    """Batch k: one group of GROUP read requests from each function, the last with L=1."""
    return [
        PageRequest(rid, pv=True, pasid=k % 64, r=True, l=i == GROUP - 1, prgi=k % 512, page=k * BATCH + j * GROUP + i)
        for j, rid in enumerate(FUNCTIONS)
        for i in range(GROUP)
    ]


def answers(k):
    """The CMD_PRI_RESP (Success) of each group of batch k."""
    return [smmuv3.encode_pri_resp(rid, k % 64, k % 512, 0x0) for rid in FUNCTIONS]


def prod_after(sent):
    """PROD (index and wrap bits) once `sent` entries were written."""
    return sent % (2 << LOG2SIZE)
