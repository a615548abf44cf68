"""Where student code runs: child processes the grading process talks to in JSON and kills at will.

host.py (the child), protocol.py (the data both sides exchange), process.py and pool.py (starting,
reusing and killing children), fork_server.py (the loop of both zygotes, this one's and the Lambda
runtime's), proxy.py (what a grader holds), reaper.py (nothing outlives a check),
netguard.py and clienttag.py (loaded into every Python process that runs student code).
"""
