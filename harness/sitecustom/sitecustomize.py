"""Loaded by every Python child process the harness starts (AWS CLI, Lambda runner, students' scripts):
loopback only, enforced by an audit hook; the student's boto3 clients are told apart in the call log."""

try:
    from harness.student import clienttag, netguard
except ImportError:  # the harness is not importable here: the parent's environment still applies
    pass
else:
    if netguard.install_from_environment():
        clienttag.install_when_imported()
