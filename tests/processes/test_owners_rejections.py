"""业委会组建: the early exits and the loops before the preparation starts."""
from tests.processes.test_owners_branch_dual_support import (
    days,
    elements,
    instance,
    ledger,
    ledger_kinds,
    public_result,
    t0,
    task,
    variables,
    worker,
)
from tests.processes.test_owners_steps import (  # noqa: F401
    GROUP,
    RECOMMENDED,
    begin,
    community_check,
    form_group,
    owners_deployed,
    recommend,
    register,
    street_accept,
)


def test_too_few_owners_signing_ends_not_eligible(owners_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at, applicant_owner_count=45)     # 15 % < the local 20 %
    v = variables(iid)
    assert (v["applicant_share"], v["initiation_accepted"], v["initiation_reason"]) == (15.0, False, "联名业主不足20%")
    assert v["conditions_met"] is True
    community_check(iid, at + days(1))              # even a confirming community cannot override the rule
    assert instance(iid).status == "completed"
    assert elements("street") == []
    [entry] = ledger(iid, "owners.not_eligible")
    assert entry.data["initiation_reason"] == "联名业主不足20%" and entry.data["applicant_share"] == 15.0


def test_community_proposal_needs_area_or_years(owners_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at, initiated_by="community", applicant_owner_count=0, representative_name=None,
             representative_phone=None, delivered_area=12000.0, first_delivery_date=(at - days(400)).date().isoformat())
    v = variables(iid)
    assert (v["applicant_share"], v["initiation_accepted"], v["initiation_reason"]) == (0.0, True, "社区居委会提议")
    assert (v["delivered_area_share"], v["years_since_first_delivery"], v["conditions_met"]) == (40.0, 1, False)
    community_check(iid, at + days(1))
    assert instance(iid).status == "completed"
    assert ledger(iid, "owners.not_eligible")[0].data["condition_basis"] == "交付面积不足50%且首套交付未满2年"


def test_community_proposal_with_enough_years_goes_to_the_street(owners_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at, initiated_by="community", applicant_owner_count=0, representative_name=None,
             representative_phone=None, delivered_area=9000.0)
    assert (variables(iid)["conditions_met"], variables(iid)["condition_basis"]) == (True, "首套房屋交付已满2年")
    community_check(iid, at + days(1))
    assert elements("street", iid) == ["street_accept"]


def test_community_not_confirming_ends_without_the_street(owners_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at)
    community_check(iid, at + days(1), confirmed=False)
    assert instance(iid).status == "completed" and elements("street") == []
    assert ledger_kinds(iid) == ["owners.registered", "owners.not_eligible"]


def test_street_refusal_ends_the_application(owners_deployed):
    at = t0()
    iid = begin(at)
    register(iid, at)
    community_check(iid, at + days(1))
    street_accept(iid, at + days(2), accepted=False)
    assert instance(iid).status == "completed"
    assert elements("secretary", iid) == []
    assert ledger(iid, "owners.not_accepted")[0].data == {"accept_opinion": "小区正进行物业交接，暂不受理"}


def test_group_leaving_out_a_recommended_member_is_formed_again(owners_deployed, app):
    at = t0()
    iid = begin(at)
    register(iid, at)
    community_check(iid, at + days(1))
    street_accept(iid, at + days(2))
    recommend(iid, at + days(3), members=RECOMMENDED + ["马骏"])
    form_group(iid, at + days(4))                    # 马骏 is missing
    v = variables(iid)
    assert (v["group_valid"], v["group_problems"], v["group_rounds"]) == (False, ["未纳入社区党组织推荐人选：马骏"], 1)
    assert ledger(iid, "owners.group_formed") == [] and public_result(iid) is None
    assert elements("street", iid) == ["form_group"]
    group = ["马骏"] + GROUP[:6]
    form_group(iid, at + days(5), members=group)
    v = variables(iid)
    assert (v["group_valid"], v["group_rounds"]) == (True, 2)
    assert ledger(iid, "owners.group_formed")[0].data["rounds"] == 2
    assert public_result(iid).summary.startswith("筹备组成员7人：马骏、")
    worker(app, at + days(12.1))
    assert elements("cstaff", iid) == ["confirm_roster", "draft_statute", "nominate_candidates"]


def test_group_form_refuses_even_size_and_too_few_owners(owners_deployed):
    from tests.processes.test_owners_branch_dual_support import refused
    at = t0()
    iid = begin(at)
    register(iid, at)
    community_check(iid, at + days(1))
    street_accept(iid, at + days(2))
    recommend(iid, at + days(3))
    errors = refused("street", "form_group", iid, at + days(4), group_members=GROUP[:6], owner_member_count=2,
                     group_leader="赵敏", street_representative="周涛", community_representative="陈静")
    assert errors == {"group_members": ["筹备组成员须为单数，现为6人"],
                      "owner_member_count": ["业主代表不少于半数：6人中至少3人"]}
    errors = refused("street", "form_group", iid, at + days(4), group_members=GROUP, owner_member_count=3,
                     group_leader="张建国", street_representative="周涛", community_representative="陈静")
    assert errors == {"owner_member_count": ["业主代表不少于半数：7人中至少4人"]}
    assert task("street", "form_group", iid).status == "open"
