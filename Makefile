# Two commands for students and maintainers alike:
#   make grade   grade your work on the embedded AWS emulator (creates .venv on first use)
#   make test    run the repository's own test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEV    := $(VENV)/.installed-dev-stamp

.PHONY: grade test bench bench-regrade agreement-localstack status doctor backend-up backend-down clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	@# pip compiles what it installs, but not an editable install's own code: where PYTHONDONTWRITEBYTECODE is
	@# set, every `course` run would compile the harness again (~0.2 s each).
	$(BIN)/python -m compileall -q harness
	@touch $(STAMP)

# The repo's own test tools (jsonschema, actionlint) only where the repo's own tests run.
$(DEV): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(DEV)

grade: $(STAMP)  ## grade every exercise (or: make grade ARGS=lab1)
	$(BIN)/course grade $(ARGS)

ifeq ($(wildcard tests/.),)
# A cohort's copy (`course publish-template`) has neither the course's own tests nor scripts/bench.py.
test:
	@echo "make test: this is a cohort copy without the course's own tests; \`make grade\` grades your work" >&2
	@exit 2

bench:
	@echo "make bench: this is a cohort copy without the maintainers' scripts; \`make grade\` grades your work" >&2
	@exit 2
else
test: $(DEV)  ## the repo's own tests: harness, graders against solutions and wrong solutions, docs
	$(BIN)/python -m pytest tests -n 2 --dist loadgroup $(ARGS)

# LocalStack's venv (ARGS="--only backends", or "--backend localstack") is shared with agreement-localstack's.
bench: $(STAMP)  ## grading speed figures (not a test)
	COURSE_LOCALSTACK_HOME="$${COURSE_LOCALSTACK_HOME:-$$HOME/.cache/course/localstack}" $(BIN)/python scripts/bench.py $(ARGS)

# LocalStack's column of the backend agreement: not in `make test` (minutes; CI sets it); its venv is kept across clones.
agreement-localstack: $(DEV)  ## moto against LocalStack's community runtime, a host process (needs Python 3.13)
	COURSE_AGREEMENT_LOCALSTACK=1 COURSE_LOCALSTACK_HOME="$${COURSE_LOCALSTACK_HOME:-$$HOME/.cache/course/localstack}" \
	  $(BIN)/python -m pytest tests/ci/test_backend_agreement_localstack.py -p no:randomly $(ARGS)
endif

bench-regrade: $(STAMP)  ## regrade wall time for N local student repositories (ARGS="--students 6")
	$(BIN)/python scripts/bench_regrade.py $(ARGS)

status: $(STAMP)
	$(BIN)/course status

doctor: $(STAMP)
	$(BIN)/course doctor

backend-up: $(STAMP)
	$(BIN)/course backend up

backend-down: $(STAMP)
	$(BIN)/course backend down

clean:
	rm -rf $(VENV) reports .course .pytest_cache
