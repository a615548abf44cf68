"""Tests of the Serverless Heist grader: each wrong fix loses the points of its flaw (and only those), a
fix that breaks the feature loses them too, and an exploit that does not really exploit gets no flag.
Full marks for the reference and the correct solution, and a low starter, are
tests/exercises/test_every_exercise.py's.

Several independent mistakes go into one grading run (each touches its own flaw), which keeps this
file to five runs. Every grading run is a child `pytest` process, as a student would run it.
"""

from __future__ import annotations

from pathlib import Path

from grader_tests import ExerciseUnderTest

LAB = ExerciseUnderTest("heist")
LAB_ID = LAB.id
FIX_ONLY = ("-k", "fix or hardened")
EXPLOITS_ONLY = ("-k", "exploit")
TEMPLATE, APP = "template.yaml", "src/app.py"


def fixed(flaw: str) -> str:
    return f"test_fix_{flaw}"


def messages(run, *check_ids: str) -> dict[str, str]:
    return {check_id: run.check(LAB_ID, check_id)["message"] for check_id in check_ids}


def test_the_starter_exploits_nothing_and_fixes_nothing_without_a_harness_error(tmp_path: Path) -> None:
    run = LAB.grade_starter(tmp_path)
    LAB.assert_sane(run)
    lab = run.exercise(LAB_ID)
    assert lab["points"] == 2, lab["points"]  # the unchanged template deploys; nothing else
    assert run.check(LAB_ID, "test_the_hardened_app_deploys")["outcome"] == "passed"
    assert "returned \"''\"" in run.check(LAB_ID, "test_exploit_no_auth")["message"]
    assert "GET /items/{id} has authorization 'NONE'" in run.check(LAB_ID, fixed("no_auth"))["message"]


def test_wrong_fixes_in_the_template_lose_their_flaws(tmp_path: Path) -> None:
    """ReadItem left open (the code refuses callers without an identity itself, so the owner's own read
    breaks too: API Gateway only names the caller on an AWS_IAM method), Resource "*" kept while the code
    no longer takes ?catalog= (the exploit is blocked, the flaw is not), the topic still open to anyone."""
    LAB.mutant(tmp_path, TEMPLATE, ('Path: "/items/{id}", Method: GET}', 'Path: "/items/{id}", Method: GET, Auth: {Authorizer: NONE}}'))
    LAB.mutant(tmp_path, TEMPLATE, ("Resource: !GetAtt StreamItemsTable.Arn", 'Resource: "*"'))
    root = LAB.mutant(tmp_path, TEMPLATE, ('Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}', 'Principal: "*"'))
    run = LAB.grade(root, tmp_path, *FIX_ONLY)
    LAB.assert_only_failures(run, fixed("no_auth"), fixed("scan_all"), fixed("wildcard_role"), fixed("open_topic"))
    said = messages(run, fixed("no_auth"), fixed("scan_all"), fixed("wildcard_role"), fixed("open_topic"))
    assert "refused by API Gateway itself" in said[fixed("no_auth")]
    assert "the feature is broken: the owner's signed GET /items/{id} should answer 200" in said[fixed("scan_all")]
    assert "role may still GetItem the admin table" in said[fixed("wildcard_role")]  # PutItem and GetItem on "*": no Scan
    # Judged by what mallory and another account's administrator could do, IAM enforced (embedded backend).
    assert "mallory (an IAM user of this account, a customer) could sns:Subscribe, sns:Publish" in said[fixed("open_topic")]
    assert ("the administrator of another account (111122223333) could sns:Subscribe, sns:Publish, sns:GetTopicAttributes "
            "on the topic") in said[fixed("open_topic")]


def test_a_topic_policy_narrowed_to_the_account_still_lets_mallory_in(tmp_path: Path) -> None:
    """KMS kept, the policy's Principal "*" narrowed by aws:PrincipalAccount to this account: no other
    account gets in (an evaluation for another account passes it), but mallory, a customer with an IAM
    user of this account, still subscribes, publishes and reads the topic, as on AWS. (The reference app
    publishes ids only, so her queue hears no flag: the grader's own calls as mallory judge it.)"""
    root = LAB.mutant(tmp_path, TEMPLATE, ('            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}\n',
                                           '            Principal: "*"\n'
                                           '            Condition: {StringEquals: {"aws:PrincipalAccount": !Ref AWS::AccountId}}\n'))
    run = LAB.grade(root, tmp_path, *FIX_ONLY)
    LAB.assert_only_failures(run, fixed("open_topic"))
    said = run.check(LAB_ID, fixed("open_topic"))["message"]
    assert "mallory (an IAM user of this account, a customer) could sns:Subscribe, sns:Publish, sns:GetTopicAttributes on the topic" in said
    assert "another account" not in said


def test_wrong_fixes_in_the_code_lose_their_flaws(tmp_path: Path) -> None:
    """Another user's item read by id (the list is right), the exception's repr in the 500 answer, unknown
    fields accepted (and dropped: no mass assignment left, but no validation either)."""
    LAB.mutant(tmp_path, APP, ('if item is None or item.get("owner") != owner:', "if item is None:"))
    LAB.mutant(tmp_path, APP, ("    except Exception:  # noqa: BLE001 - logged for us, never shown to the caller", "    except Exception as error:"),
               ('return answer(500, {"error": "internal error"})', 'return answer(500, {"error": "internal error", "detail": repr(error)})'))
    root = LAB.mutant(tmp_path, APP, ("    if unknown:\n", "    if False:\n"))
    run = LAB.grade(root, tmp_path, *FIX_ONLY)
    LAB.assert_only_failures(run, fixed("scan_all"), fixed("error_leak"), fixed("no_validation"))
    said = messages(run, fixed("scan_all"), fixed("error_leak"), fixed("no_validation"))
    assert "mallory's signed GET /items/{id} of the victim's item answered it" in said[fixed("scan_all")]
    assert "the app's unhandled-error path) answered internal details" in said[fixed("error_leak")]
    assert "an unknown field should answer 400" in said[fixed("no_validation")]


def test_a_fix_that_breaks_the_feature_or_stops_halfway_loses_its_flaws(tmp_path: Path) -> None:
    """The list scans with a filter (the role, rightly, has no Scan: the list fails under IAM enforcement),
    the topic keeps its policy but loses its KMS key, sizes are bounded far beyond the README's limits."""
    LAB.mutant(tmp_path, APP, ('table.query(IndexName="owner-index", KeyConditionExpression=Key("owner").eq(owner))',
                               'table.scan(FilterExpression=Key("owner").eq(owner))'))
    LAB.mutant(tmp_path, APP, ('FIELDS = {"title": 200, "notes": 2000}', 'FIELDS = {"title": 200000, "notes": 2000000}'))
    root = LAB.mutant(tmp_path, TEMPLATE, ("      KmsMasterKeyId: alias/aws/sns  # encrypted at rest\n", ""))
    run = LAB.grade(root, tmp_path, *FIX_ONLY)
    LAB.assert_only_failures(run, fixed("scan_all"), fixed("open_topic"), fixed("no_validation"))
    said = messages(run, fixed("scan_all"), fixed("open_topic"), fixed("no_validation"))
    assert "the feature is broken: the owner's signed GET /items should list her 3 items" in said[fixed("scan_all")]
    assert "the topic has no KmsMasterKeyId" in said[fixed("open_topic")]
    assert "a 300-character title should answer 400" in said[fixed("no_validation")]


def test_exploits_that_do_not_exploit_get_no_flag(tmp_path: Path) -> None:
    """A flag typed in (the seed's flags change at every run), the list asked for unsigned, an exploit that
    never returns (stopped at its time limit; the ones after it still run), and a queue that listens for a
    moment only where the README says to keep receiving for a few seconds while the victim saves items."""
    LAB.mutant(tmp_path, "exploits/wildcard_role.py", ("def exploit(target):\n", "def exploit(target):\n    while True:\n        pass\n"))
    LAB.mutant(tmp_path, "exploits/no_auth.py", ('status, body = call(target, "GET", f"/items/{target[\'shared_item_id\']}")',
                                                  'status, body = 200, "HEIST{no_auth:0123456789abcdef0123}"'))
    LAB.mutant(tmp_path, "exploits/open_topic.py", ("deadline = time.monotonic() + 4", "deadline = time.monotonic() + 0.05"),
               ("WaitTimeSeconds=1", "WaitTimeSeconds=0"))
    root = LAB.mutant(tmp_path, "exploits/scan_all.py", ('call(target, "GET", "/items", signed=True)', 'call(target, "GET", "/items")'))
    run = LAB.grade(root, tmp_path, *EXPLOITS_ONLY)
    LAB.assert_only_failures(run, "test_exploit_no_auth", "test_exploit_scan_all", "test_exploit_wildcard_role",
                             "test_exploit_open_topic")
    assert "to return text containing the open_topic flag" in run.check(LAB_ID, "test_exploit_open_topic")["message"]
    assert "your code was stopped after 6 s (its time limit)" in run.check(LAB_ID, "test_exploit_wildcard_role")["message"]
    assert run.check(LAB_ID, "test_exploit_error_leak")["message"].startswith("(Flags derived from the seed '")  # the report records it
    assert "Missing Authentication Token" in run.check(LAB_ID, "test_exploit_scan_all")["message"]
