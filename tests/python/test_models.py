"""The golden models from Python: codecs pinned to the spec layouts, admission rules."""

import pytest

import iommu_tb
from iommu_tb import PageRequest, PrgResponse, smmuv3, vtd


def test_priq_entry_layout_smmu_priq_4():
    # smmuv3.md §4: StreamID [31:0], SubstreamID [51:32], R [60], L [62], SSV [63],
    # PRGIndex [72:64], Addr[63:12] at [127:76].
    req = PageRequest(0x0102, pv=True, pasid=0xABCDE, r=True, w=False, l=True, prgi=0x1FF, page=0x12345)
    dw0, dw1 = smmuv3.encode_priq_entry(req)
    assert dw0 == 0x0102 | (0xABCDE << 32) | (1 << 60) | (1 << 62) | (1 << 63)
    assert dw1 == 0x1FF | (0x12345 << 12)
    assert smmuv3.decode_priq_entry((dw0, dw1)) == req
    assert smmuv3.priq_entry_well_formed((dw0, dw1))
    assert not smmuv3.priq_entry_well_formed((dw0 | (1 << 52), dw1))


def test_priq_entry_drops_pasid_fields_without_pv_pri_1():
    req = PageRequest(7, pv=False, pasid=9, exe=True, priv=True, r=True, l=True)
    back = smmuv3.decode_priq_entry(smmuv3.encode_priq_entry(req))
    assert back == req.at_interface()
    assert (back.pasid, back.exe, back.priv) == (0, False, False)


def test_pri_resp_command_dec_4():
    dw0, dw1 = smmuv3.encode_pri_resp(0x0102, 0xABCDE, 0x1FF, 0x0)
    assert dw0 == 0x41 | (1 << 11) | (0xABCDE << 12) | (0x0102 << 32)
    assert dw1 == 0x1FF | (0b10 << 12)
    assert smmuv3.decode_command((dw0, dw1))["name"] == "CMD_PRI_RESP"
    effect, rsp = smmuv3.command_effect((dw0, dw1), smmuen=True)
    assert effect == "respond" and rsp == PrgResponse(0x0102, pv=True, pasid=0xABCDE, prgi=0x1FF, code=0)
    assert smmuv3.command_effect((dw0, dw1), smmuen=False) == ("ignored", None)  # SMMU-CMD-5
    assert smmuv3.command_effect((dw0, dw1 | (0b11 << 12)), smmuen=True) == ("illegal", None)  # SMMU-CMD-4


def test_stall_commands_smmu_cmd_7_8():
    resume = (0x44 | (1 << 12) | (0x0102 << 32), 0x0007)  # Ac=1, StreamID 0x102, STAG 7
    assert smmuv3.command_effect(resume, smmuen=True) == ("resume", None)  # SMMU-CMD-7
    assert smmuv3.decode_command(resume)["name"] == "CMD_RESUME"
    assert smmuv3.command_effect((0x45 | (0x0102 << 32), 0), smmuen=True) == ("stall_term", None)  # SMMU-CMD-8


def test_smmuv3_admission_rows():
    on = dict(smmuen=True, priqen=True, log2size=1)
    assert smmuv3.admission_row(**on, prod=0, cons=0) == "write"
    assert smmuv3.admission_row(**on, prod=0b10, cons=0) == "full"  # SMMU-PRIQ-7
    assert smmuv3.admission_row(**on, prod=1 << 31, cons=0) == "overflow_active"  # SMMU-PRIQ-8
    assert smmuv3.admission_row(smmuen=False, priqen=True, log2size=1, prod=0, cons=0) == "disabled"
    last = PageRequest(1, pv=True, pasid=3, r=True, l=True, prgi=5)
    assert smmuv3.auto_response("full", last) == PrgResponse(1, pv=True, pasid=3, prgi=5, code=0)  # DEC-3
    assert smmuv3.auto_response("disabled", last) == PrgResponse(1, pv=False, prgi=5, code=0xF)  # DEC-2
    assert smmuv3.auto_response("full", PageRequest.stop_marker(1, 3)) is None  # PRI-17
    assert smmuv3.auto_response("write", last) is None


def test_page_req_dsc_layout_vtd_prq_4():
    req = PageRequest(0x0203, pv=True, pasid=0x12345, exe=True, r=True, w=True, l=True, prgi=0x55, page=0xABCDE)
    words = vtd.encode_page_req(req)
    assert words[0] & 0xFF == 0x01  # Type
    assert (words[0] >> 16) & 0xFFFF == 0x0203  # RID [31:16]
    assert (words[1] >> 3) & 0x1FF == 0x55  # PRGI [75:67]
    assert vtd.page_req_well_formed(words)
    assert vtd.decode_page_req(words) == req


def test_vtd_descriptors_classified_vtd_iq():
    kind, rsp = vtd.classify(vtd.encode_page_grp_resp(0x0203, None, 7, 0x5))
    assert kind == "page_grp_resp" and rsp == PrgResponse(0x0203, prgi=7, code=0x5)  # DEC-8: verbatim
    kind, fields = vtd.classify(vtd.encode_inv_wait(0x1000, 0xCAFE, pd=True))
    assert kind == "inv_wait" and fields["status_addr"] == 0x1000 and fields["pd"]
    assert vtd.classify(vtd.encode_inv_wait(0x1000, 1, pd=True), pds=False)[0] == "invalid"  # VTD-IQ-2
    qw = list(vtd.encode_page_grp_resp(1, None, 0, 0))
    qw[3] = 1  # a reserved bit of [255:128]
    assert vtd.classify(qw)[0] == "invalid"  # VTD-IQ-4
    assert vtd.classify((0x7F, 0, 0, 0))[0] == "invalid"  # OP-10: unknown type


def test_vtd_admission_rows():
    assert vtd.admission_row(pre=False, pro=False, pqh=0, pqt=0, pqs=0) == "not_enabled"  # VTD-PRQ-5
    assert vtd.admission_row(pre=True, pro=True, pqh=0, pqt=0, pqs=0) == "overflow"  # VTD-PRQ-6
    assert vtd.admission_row(pre=True, pro=False, pqh=0, pqt=0, pqs=0) == "write"
    # 128 entries of 32 bytes: PQT one slot behind PQH is full (VTD-PRQ-7).
    assert vtd.admission_row(pre=True, pro=False, pqh=32, pqt=0, pqs=0) == "full"
    last = PageRequest(1, r=True, l=True, prgi=2)
    assert vtd.auto_response("not_enabled", last) == PrgResponse(1, prgi=2, code=0x1)  # DEC-5
    assert vtd.auto_response("full", last) == PrgResponse(1, prgi=2, code=0x0)  # DEC-7


def test_page_request_kinds_and_dict():
    assert PageRequest.stop_marker(1, 2).kind() == "stop_marker"
    assert PageRequest(1, r=True, l=True).kind() == "last_request"
    assert PageRequest(1, r=True).kind() == "request"
    d = PageRequest(5, pv=True, pasid=1, priv=True, r=True).to_dict()
    assert d["priv"] is True and d["rid"] == 5
    assert iommu_tb.flavors() == ["smmuv3", "vtd"]


def test_pcie_function_groups_and_credits():
    f = iommu_tb.PcieFunction(0x0100, allocation=4)
    prg = f.start_prg(5, 2)
    a = f.next_request(prg, page=0x10)
    b = f.next_request(prg, page=0x11, w=True)
    assert (a.l, b.l, a.prgi == b.prgi, b.pasid) == (False, True, True, 5)  # PRI-7: one group, L=1 last
    for m in (a, b):
        f.on_accepted(m)
    assert (f.credits_used, f.outstanding) == (2, 1)
    assert f.on_response(PrgResponse(0x0100, pv=True, pasid=5, prgi=b.prgi, code=0)) == "closed"  # PRI-18
    assert (f.credits_used, f.outstanding) == (0, 0)
    assert f.on_response(PrgResponse(0x0100, pv=True, pasid=5, prgi=b.prgi, code=0)) == "unexpected"  # PRI-20


def test_pcie_function_refuses_what_breaks_a_rule():
    f = iommu_tb.PcieFunction(0x0100, allocation=2)
    try:
        f.start_prg(None, 3)
    except iommu_tb.RuleViolation as e:
        assert e.rule == "PRI-11" and e.cycle is None
    else:
        raise AssertionError("a group beyond the Allocation was started")


def test_pcie_function_traffic_passes_the_pri_checkers():
    f = iommu_tb.PcieFunction(0x0100, allocation=8)
    checkers = iommu_tb.Checkers("smmuv3", functions=[{"rid": 0x0100, "allocation": 8}])
    cycle = 0
    for pasid in (1, 2):
        prg = f.start_prg(pasid, 3)
        for page in range(3):
            m = f.next_request(prg, page=page)
            f.on_accepted(m)
            cycle += 1
            checkers.observe(iommu_tb.txn.page_request(cycle, m))
    assert checkers.violations == [] and f.outstanding == 2
    assert checkers.evaluations()["pri-prg-shape-credits"]["PRI-11"] == 6


def test_smmu_host_groups_and_answers():
    host = iommu_tb.SmmuHost()
    a = PageRequest(0x0100, pv=True, pasid=5, r=True, prgi=3, page=1)
    b = PageRequest(0x0100, pv=True, pasid=5, r=True, l=True, prgi=3, page=2)
    assert [host.on_priq_entry(m) for m in (a, b)] == ["partial", "group"]  # HOST-2, HOST-3
    assert host.on_priq_entry(PageRequest.stop_marker(0x0100, 5)) == "stop_marker"  # HOST-18
    assert host.unanswered == 1
    (words,) = host.answer_all()
    effect, rsp = smmuv3.command_effect(words, smmuen=True)
    assert effect == "respond" and (rsp.rid, rsp.prgi, rsp.code) == (0x0100, 3, 0x0)
    assert host.unanswered == 0 and host.answer_all() == []


def test_the_vtd_host_drops_stop_markers_answers_bad_requests_and_groups():
    host = iommu_tb.VtdHost()
    host.add_device(0x0100)
    a = PageRequest(0x0100, pv=True, pasid=5, r=True, prgi=3, page=1)
    b = PageRequest(0x0100, pv=True, pasid=5, r=True, l=True, prgi=3, page=2)
    fates = [host.on_prq_entry(vtd.encode_page_req(m)) for m in (a, b)]
    assert fates == ["partial", "group"]  # HOST-2, HOST-3
    assert host.on_prq_entry(vtd.encode_page_req(PageRequest.stop_marker(0x0100, 5))) == "stop_marker"  # HOST-22
    stranger = PageRequest(0x0200, r=True, l=True, prgi=4, page=3)
    assert host.on_prq_entry(vtd.encode_page_req(stranger)) == "bad_unknown_rid"  # HOST-22: never probed
    assert host.on_prq_entry(vtd.encode_page_req(PageRequest(0x0100, pv=True, pasid=7, priv=True, r=True, prgi=6))) == "bad_privileged"
    assert host.unanswered == 1
    answers = [vtd.classify(w) for w in host.answer_all()]
    # The bad request with LPIG=1 first (Invalid Request, HOST-22), then the group (HOST-23);
    # the one without LPIG gets no answer.
    assert [(kind, r.rid, r.prgi, r.code) for kind, r in answers] == [("page_grp_resp", 0x0200, 4, 0x1), ("page_grp_resp", 0x0100, 3, 0x0)]
    assert host.unanswered == 0 and host.answer_all() == []
    with pytest.raises(ValueError, match="takes 4 64-bit words, got 2"):
        host.on_prq_entry((1, 2))
