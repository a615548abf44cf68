"""A student module for tests/harness/test_student_process.py: every way student code can behave, one function each.

Loaded only in student processes (never imported by the tests themselves).
"""

import json
import logging
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

logger = logging.getLogger("workbench")
logger.setLevel(logging.INFO)

GREETING_AT_IMPORT = os.environ.get("WORKBENCH_GREETING")
print("workbench imported")
logger.info("workbench ready")

loads_counted = []


class Boom(Exception):
    pass


class ClientError(Exception):
    """Shaped like botocore's ClientError: AWS's answer in ``response``."""

    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}): {message}")
        self.response = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}


class Counter:
    """Counts up from a start."""

    def __init__(self, start=0):
        self.value = start

    def add(self, amount=1):
        self.value += amount
        return self.value

    def snapshot(self):
        return {"value": Decimal(self.value), "raw": b"\x00\x01", "pair": (self.value, "x")}


class SpecialCounter(Counter):
    pass


def echo(value):
    return value


def slow_echo(value, seconds):
    time.sleep(seconds)
    return value


def price(order, discount=Decimal("0.10"), *extras, currency="EUR", **options):
    """The order's price after the discount."""
    return {"total": Decimal(str(order["amount"])) * (1 - discount), "currency": currency}


def make_counter(start):
    return Counter(start)


def value_of(counter):
    return counter.value


def mutate(items):
    items.append("added in the student process")
    return len(items)


def squares(n):
    return (i * i for i in range(n))


def greeting():
    return {"at_import": GREETING_AT_IMPORT, "now": os.environ.get("WORKBENCH_GREETING"),
            "leftover": os.environ.get("WORKBENCH_LEFTOVER")}


def count_load():
    loads_counted.append(1)
    return len(loads_counted)


def remaining(context):
    return {"remaining": context.get_remaining_time_in_millis(), "name": context.function_name}


def chatty(order_id):
    print(f"processing {order_id}")
    logger.info(json.dumps({"event": "processed", "order_id": order_id}))
    logger.error("order %s had a problem", order_id)
    return True


def fail_wrapped():
    try:
        {}["order"]
    except KeyError as error:
        raise Boom("could not process the order") from error


def fail_like_aws():
    raise ClientError("ConditionalCheckFailedException", "The conditional request failed")


def fail_with_botocore():
    from botocore.exceptions import ClientError as BotocoreClientError

    raise BotocoreClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "PutItem")


def leave_with(code):
    sys.exit(code)


def hard_exit(status):
    os._exit(status)


def kill_myself():
    os.kill(os.getpid(), signal.SIGKILL)


def spin_in_c():
    return any(iter(int, 1))


def recurse_in_python():
    sys.setrecursionlimit(10**6)

    def down(n):
        return down(n + 1)

    return down(0)


def recurse_through_c():
    sys.setrecursionlimit(10**6)

    def down(n):
        return list(map(down, [n + 1]))

    return down(0)


def print_a_lot(megabytes):
    print("FIRST LINE OF OUTPUT")
    chunk = "y" * (1024 * 1024 - 1) + "\n"
    for _ in range(megabytes):
        sys.stdout.write(chunk)
    print("LAST LINE OF OUTPUT")
    return megabytes


def allocate(gibibytes):
    return len(bytearray(gibibytes * 1024**3))


def answer_of(size):
    return "z" * size


def start_sleeper():
    return subprocess.Popen(["sleep", "60"], start_new_session=True).pid


def start_daemon():
    """The classic double fork: the daemon's parent exits at once, so the daemon is an orphan."""
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.setsid()
        daemon = os.fork()
        if daemon == 0:
            os.close(read_end)
            os.close(write_end)
            time.sleep(60)
            os._exit(0)
        os.write(write_end, str(daemon).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    daemon_pid = int(os.read(read_end, 32))
    os.close(read_end)
    return daemon_pid


def forge_answer(line):
    """Write straight to the pipe the harness reads answers from."""
    os.write(int(sys.argv[2]), line.encode() + b"\n")
    time.sleep(30)


def client_tags():
    import boto3

    class Sent(Exception):
        pass

    tags = []

    def capture(request, **_):
        tags.append(request.headers.get("x-course-client"))
        raise Sent()

    for _ in range(2):
        client = boto3.client("sqs", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                              aws_access_key_id="test", aws_secret_access_key="test")
        client.meta.events.register("before-send", capture)
        try:
            client.list_queues()
        except Sent:
            pass
    return {"pid": os.getpid(), "tags": tags}


def kill_parent():
    """SIGKILL to this process's parent (the zygote where the harness forks)."""
    os.kill(os.getppid(), signal.SIGKILL)
