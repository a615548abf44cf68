"""Parts Unlimited orders in DynamoDB: store an order, read it back, move it along, list a customer's.

Kata 2 starter. Work through the numbered TODOs; each matches a step of README.md. Steps 1-5 are the
kata (`course grade kata2`); steps 6 and 7 are the optional extensions (`course grade kata2-ext`).

The table (name in the ORDERS_TABLE environment variable, `Orders` in the course) has the partition
key `order_id` (string) and a global secondary index `customer_id-index` on `customer_id`. An order:

    {"order_id": "ORD-1001", "customer_id": "C-100",
     "items": [{"sku": "PU-1001", "quantity": 3, "unit_price": Decimal("19.99")}],
     "total": Decimal("59.97"), "status": "PLACED"}

Keep the exception classes below: the grader imports them from this module.
"""

import os  # noqa: F401 - step 1 reads ORDERS_TABLE
from decimal import Decimal  # noqa: F401 - step 3 converts money to Decimal

import boto3  # noqa: F401 - step 1 creates the client or resource
from botocore.exceptions import ClientError  # noqa: F401 - steps 4 and 6 look at the error code

CUSTOMER_INDEX = "customer_id-index"

# Which status may follow which (README step 6). DELIVERED and CANCELLED are final.
ALLOWED_TRANSITIONS = {
    "PLACED": ("PAID", "CANCELLED"),
    "PAID": ("SHIPPED", "CANCELLED"),
    "SHIPPED": ("DELIVERED",),
    "DELIVERED": (),
    "CANCELLED": (),
}


class OrderError(Exception):
    """Base class of the errors this module raises on purpose."""


class OrderAlreadyExistsError(OrderError):
    """put_order was given an order_id that is already stored."""


class OrderNotFoundError(OrderError):
    """update_order_status was given an order_id that is not stored."""


class InvalidStatusTransitionError(OrderError, ValueError):
    """The order's current status does not allow the status asked for."""


def validate_order(order):
    """Raise ValueError unless the order has a non-empty order_id, a non-empty customer_id and items.

    `items` must be a non-empty list. Called before any AWS call: nothing is stored for a bad order.
    """
    # TODO 2 (README step 2)
    raise NotImplementedError("TODO 2: validate the order (README step 2)")


def to_dynamodb(value):
    """Return value with every float replaced by the Decimal that reads the same: 19.99 -> Decimal('19.99').

    Dicts and lists are converted all the way down (the items' unit_price too); int, Decimal and str
    values stay as they are.
    """
    # TODO 3 (README step 3): Decimal(str(value)), not Decimal(value).
    raise NotImplementedError("TODO 3: convert floats to Decimal (README step 3)")


class OrderManager:
    """The Orders table, one order per item."""

    def __init__(self, table_name=None):
        """Use table_name when given, else the ORDERS_TABLE environment variable."""
        # TODO 1 (README step 1): keep the table name and create the DynamoDB resource (or client)
        # once, here; every method then reuses it.
        raise NotImplementedError("TODO 1: pick the table name and create the DynamoDB resource (README step 1)")

    def put_order(self, order):
        """Store a new order. ValueError for an invalid order; OrderAlreadyExistsError if order_id is taken.

        The refusal must come from DynamoDB itself (a condition expression), not from a read first.
        Any other AWS error is raised to the caller.
        """
        # TODO 4 (README step 4): validate, convert, put_item with a ConditionExpression, and turn
        # ConditionalCheckFailedException (only that one) into OrderAlreadyExistsError.
        raise NotImplementedError("TODO 4: store the order with a conditional put (README step 4)")

    def get_order(self, order_id):
        """Return the order as a dict (numbers as Decimal), or None when there is none.

        The read is strongly consistent: it sees every write that succeeded before it.
        """
        # TODO 5 (README step 5): one get_item by key, with ConsistentRead=True.
        raise NotImplementedError("TODO 5: read the order with get_item (README step 5)")

    # ------------------------------------------------------------------ optional extensions

    def update_order_status(self, order_id, new_status):
        """Move the order to new_status and return the whole updated order.

        OrderNotFoundError when the order does not exist (nothing is created);
        InvalidStatusTransitionError when ALLOWED_TRANSITIONS does not allow the move from the status
        stored at the moment of the write. Both are judged by DynamoDB (a condition expression).
        """
        # TODO 6 (README step 6, optional): update_item with an UpdateExpression, a ConditionExpression
        # and ReturnValues="ALL_NEW".
        raise NotImplementedError("TODO 6: update the status with update_item (README step 6)")

    def list_orders_for_customer(self, customer_id):
        """Return a list of every order of the customer ([] when there is none)."""
        # TODO 7 (README step 7, optional): query the customer_id-index GSI (never a scan) and follow
        # LastEvaluatedKey until the last page.
        raise NotImplementedError("TODO 7: query the customer_id-index page after page (README step 7)")
