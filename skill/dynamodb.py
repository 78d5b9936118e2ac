"""Persistent attributes in DynamoDB, over ask-sdk's own DynamoDbAdapter, made safe for concurrent updates.

ask-sdk's adapter reads and writes whole items; two requests from one user at once would lose one
write. `update()` adds optimistic concurrency: every write bumps a numeric version attribute, and an
update only writes when the version is still the one it read, retrying otherwise. The partition key
is the SHA-256 of the user id (as in SQLite), and numbers come back as int/float, not Decimal.
"""

from __future__ import annotations

import json
import os
import random
import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from .errors import KindWellError
from .persistence import Updater, user_key

if TYPE_CHECKING:
    from .settings import EndpointSettings

VERSION_ATTRIBUTE = "version"
RETRY_SECONDS = 5.0
"""How long an update keeps redoing its change while others write first (a speaker waits about 8 s)."""


def to_dynamodb(attributes: dict[str, Any]) -> dict[str, Any]:
    """Attributes in a form boto3 can store (it refuses float; Decimal is DynamoDB's number)."""
    converted: dict[str, Any] = json.loads(json.dumps(attributes), parse_float=Decimal)
    return converted


def from_dynamodb(value: Any) -> Any:
    """boto3's Decimals back to int or float, recursively, so handlers see plain JSON types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: from_dynamodb(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return [from_dynamodb(item) for item in value]
    return value


def dynamodb_resource(region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 DynamoDB resource for a region, or for a DynamoDB-compatible server at endpoint_url."""
    import boto3
    from botocore.config import Config

    if region is None and endpoint_url is None:
        raise KindWellError("DynamoDB needs a region: set AWS_REGION to the region of your KindWell table.")
    if region is None:
        region = "us-east-1"  # DynamoDB-compatible local servers ignore the region, but boto3 wants one

    from botocore.exceptions import BotoCoreError

    # Short timeouts and standard retries: a speaker waits only about eight seconds for a reply.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 3, "mode": "standard"})
    try:
        return boto3.resource("dynamodb", region_name=region, endpoint_url=endpoint_url, config=config)
    except (BotoCoreError, ValueError) as err:  # InvalidRegionError, an unusable endpoint URL...
        raise KindWellError(
            f"DynamoDB cannot be reached with region {region!r} and endpoint {endpoint_url or 'AWS'} ({err}); "
            "set AWS_REGION to your table's region and KINDWELL_DYNAMODB_ENDPOINT only for a local server."
        ) from None


def _adapter_base() -> type[AbstractPersistenceAdapter]:
    # ask_sdk_dynamodb builds a default boto3 resource at import time, which fails when no region is
    # configured. We never use that resource, so a placeholder region just for the import is enough;
    # the environment is restored at once so it cannot leak into real lookups.
    # boto3's default session reads AWS_DEFAULT_REGION only: with just AWS_REGION set the import fails too.
    missing = not os.environ.get("AWS_DEFAULT_REGION")
    if missing:
        os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    finally:
        if missing:
            os.environ.pop("AWS_DEFAULT_REGION", None)
    base: type[AbstractPersistenceAdapter] = DynamoDbAdapter
    return base


def _key(request_envelope: RequestEnvelope) -> str:
    return user_key(request_envelope)


class VersionedDynamoDbAdapter(_adapter_base()):  # type: ignore[misc]
    """ask-sdk's DynamoDbAdapter with hashed keys, plain numbers and an atomic `update()`."""

    def __init__(
        self,
        table_name: str,
        *,
        resource: Any,
        create_table: bool = False,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        super().__init__(
            table_name=table_name,
            partition_key_name="id",
            attribute_name="attributes",
            create_table=create_table,
            partition_keygen=_key,
            dynamodb_resource=resource,
        )
        self.retry_seconds = retry_seconds
        self._table = resource.Table(table_name)
        if create_table:
            self._table.wait_until_exists()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Attributes stored for the request's user ({} for a new user), with plain numbers."""
        attributes = super().get_attributes(request_envelope)
        return from_dynamodb(attributes) if isinstance(attributes, dict) else {}

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Replace the user's attributes, bumping the version so concurrent `update()`s notice."""
        try:
            self._table.update_item(
                Key={"id": _key(request_envelope)},
                UpdateExpression="SET #a = :a, #v = if_not_exists(#v, :zero) + :one",
                ExpressionAttributeNames={"#a": "attributes", "#v": VERSION_ATTRIBUTE},
                ExpressionAttributeValues={":a": to_dynamodb(dict(attributes)), ":zero": 0, ":one": 1},
            )
        except Exception as err:
            raise PersistenceException(f"Saving progress to DynamoDB failed: {type(err).__name__}.") from err

    def update(self, request_envelope: RequestEnvelope, updater: Updater) -> dict[str, Any]:
        """Atomically read, change with updater and write the user's attributes; returns them.

        updater may run more than once (when another request wrote first); the last run is saved.
        """
        key = _key(request_envelope)
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.002
        while True:
            try:
                item = self._table.get_item(Key={"id": key}, ConsistentRead=True).get("Item") or {}
            except Exception as err:
                raise PersistenceException(f"Reading progress from DynamoDB failed: {type(err).__name__}.") from err
            version = int(item.get(VERSION_ATTRIBUTE, 0))
            stored = item.get("attributes")
            attributes: dict[str, Any] = from_dynamodb(stored) if isinstance(stored, dict) else {}
            updater(attributes)
            condition = "attribute_not_exists(#v)" if version == 0 else "#v = :expected"
            values: dict[str, Any] = {":a": to_dynamodb(attributes), ":next": version + 1}
            if version:
                values[":expected"] = version
            try:
                self._table.update_item(
                    Key={"id": key},
                    UpdateExpression="SET #a = :a, #v = :next",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#a": "attributes", "#v": VERSION_ATTRIBUTE},
                    ExpressionAttributeValues=values,
                )
            except Exception as err:
                if _is_condition_failure(err):
                    # Someone else wrote first: back off a little (with jitter) and redo the change.
                    if time.monotonic() > deadline:
                        break
                    time.sleep(pause * random.uniform(0.5, 1.5))
                    pause = min(pause * 2, 0.05)
                    continue
                raise PersistenceException(f"Saving progress to DynamoDB failed: {type(err).__name__}.") from err
            return attributes
        raise PersistenceException("Progress could not be saved: too many concurrent changes.")


def _is_condition_failure(err: Exception) -> bool:
    response = getattr(err, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code == "ConditionalCheckFailedException"


def adapter_from_settings(settings: EndpointSettings) -> VersionedDynamoDbAdapter:
    """The DynamoDB adapter the settings describe."""
    resource = dynamodb_resource(settings.aws_region, settings.dynamodb_endpoint)
    return VersionedDynamoDbAdapter(
        settings.dynamodb_table, resource=resource, create_table=settings.dynamodb_create_table
    )
