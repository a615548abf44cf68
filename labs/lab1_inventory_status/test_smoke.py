import boto3, pytest, os
from graders import fail, expect

@pytest.mark.points(2, hint="make a table")
def test_table(backend, aws_calls):
    """Tables can be made"""
    c = boto3.client("dynamodb")
    c.create_table(TableName="T", KeySchema=[{"AttributeName":"k","KeyType":"HASH"}], AttributeDefinitions=[{"AttributeName":"k","AttributeType":"S"}], BillingMode="PAY_PER_REQUEST")
    c.get_item(TableName="T", Key={"k":{"S":"x"}})
    expect(aws_calls.count("dynamodb","GetItem")==1, f"calls: {aws_calls.describe()}")

@pytest.mark.points(3, hint="fix it")
def test_fails():
    fail("Expected 1, got 2.")

@pytest.mark.points(1, requires="test_fails")
def test_blocked():
    pass

@pytest.mark.points(4)
def test_partial(partial_credit):
    for i in range(4):
        with partial_credit.part(f"i={i}"):
            assert i < 3, f"i too big: {i}"

@pytest.mark.points(2)
def test_loop():
    while True: pass

@pytest.mark.points(2)
def test_exit():
    os._exit(3)

@pytest.mark.points(1)
def test_net():
    import socket
    socket.create_connection(("example.com", 443), timeout=2)

def test_nopoints():
    pass
