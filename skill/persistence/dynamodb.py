"""Persistent attributes in DynamoDB, safe for concurrent updates (the `dynamodb` extra: boto3).

One item per user: the partition key `id` is the SHA-256 of the user id (as in SQLite), the
attributes are a map under `attributes` (the layout of ask-sdk's own DynamoDbAdapter, so tables
written by either read the same), and a numeric `version` makes `update()` atomic: every write bumps
it, and an update only writes while the version is still the one it read, redoing its change
otherwise (updates.optimistic_update). Numbers come back as int/float, not Decimal.

ask-sdk's DynamoDbAdapter is not used as a base: it builds a boto3 resource when it is imported, which
fails unless AWS_DEFAULT_REGION is set (AWS_REGION alone is not enough for boto3). Here the region is
always passed to boto3 explicitly, and the environment is never changed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import boto3
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope
from botocore.config import Config

from ..errors import KindWellError, UserInputError
from .updates import Updater, optimistic_update, user_key

if TYPE_CHECKING:
    from ..settings import EndpointSettings

PARTITION_KEY = "id"
ATTRIBUTES = "attributes"
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


class VersionedDynamoDbAdapter(AbstractPersistenceAdapter):
    """ask-sdk persistence in a DynamoDB table: hashed keys, plain numbers and an atomic `update()`."""

    def __init__(
        self,
        table_name: str,
        *,
        resource: Any,
        create_table: bool = False,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self.table_name = table_name
        self.dynamodb = resource
        """The boto3 DynamoDB resource."""
        self.retry_seconds = retry_seconds
        self._table = resource.Table(table_name)
        if create_table:
            _create_table(resource, table_name)
            self._table.wait_until_exists()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, Any]:
        """Attributes stored for the request's user ({} for a new user), with plain numbers."""
        return self._read(user_key(request_envelope))[0]

    def save_attributes(self, request_envelope: RequestEnvelope, attributes: dict[str, Any]) -> None:
        """Replace the user's attributes, bumping the version so concurrent `update()`s notice."""
        key = user_key(request_envelope)
        try:
            self._table.update_item(
                Key={PARTITION_KEY: key},
                UpdateExpression="SET #a = :a, #v = if_not_exists(#v, :zero) + :one",
                ExpressionAttributeNames={"#a": ATTRIBUTES, "#v": VERSION_ATTRIBUTE},
                ExpressionAttributeValues={":a": to_dynamodb(dict(attributes)), ":zero": 0, ":one": 1},
            )
        except Exception as err:
            raise PersistenceException(f"Saving progress to DynamoDB failed: {type(err).__name__}.") from err

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget everything stored for the request's user."""
        key = user_key(request_envelope)
        try:
            self._table.delete_item(Key={PARTITION_KEY: key})
        except Exception as err:
            raise PersistenceException(f"Deleting progress from DynamoDB failed: {type(err).__name__}.") from err

    def _read(self, key: str) -> tuple[dict[str, Any], int]:
        """(attributes, version) of a user's item; version 0 when there is no item."""
        try:
            item = self._table.get_item(Key={PARTITION_KEY: key}, ConsistentRead=True).get("Item") or {}
        except Exception as err:
            raise PersistenceException(f"Reading progress from DynamoDB failed: {type(err).__name__}.") from err
        stored = item.get(ATTRIBUTES)
        return (from_dynamodb(stored) if isinstance(stored, dict) else {}), int(item.get(VERSION_ATTRIBUTE, 0))

    def update(self, request_envelope: RequestEnvelope, updater: Updater) -> dict[str, Any]:
        """Atomically read, change with updater and write the user's attributes; returns them.

        updater may run more than once (when another request wrote first); the last run is saved.
        """
        key = user_key(request_envelope)

        def write(attributes: dict[str, Any], version: int) -> bool:
            condition = "attribute_not_exists(#v)" if version == 0 else "#v = :expected"
            values: dict[str, Any] = {":a": to_dynamodb(attributes), ":next": version + 1}
            if version:
                values[":expected"] = version
            try:
                self._table.update_item(
                    Key={PARTITION_KEY: key},
                    UpdateExpression="SET #a = :a, #v = :next",
                    ConditionExpression=condition,
                    ExpressionAttributeNames={"#a": ATTRIBUTES, "#v": VERSION_ATTRIBUTE},
                    ExpressionAttributeValues=values,
                )
            except Exception as err:
                if _error_code(err) == "ConditionalCheckFailedException":
                    return False
                raise PersistenceException(f"Saving progress to DynamoDB failed: {type(err).__name__}.") from err
            return True

        return optimistic_update(
            lambda: self._read(key),
            write,
            updater,
            budget_seconds=self.retry_seconds,
            first_pause_seconds=0.002,
            longest_pause_seconds=0.05,
            gave_up="Progress could not be saved: too many concurrent changes.",
        )


def _create_table(resource: Any, table_name: str) -> None:
    """Create the table with a string partition key `id`, unless it exists (as ask-sdk's adapter does)."""
    try:
        resource.create_table(
            TableName=table_name,
            KeySchema=[{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
            ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        )
    except Exception as err:
        if _error_code(err) != "ResourceInUseException":
            raise PersistenceException(f"Creating the DynamoDB table {table_name} failed: {err}") from err


def _error_code(err: Exception) -> str | None:
    response = getattr(err, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code if isinstance(code, str) else None


def adapter_from_settings(settings: EndpointSettings) -> VersionedDynamoDbAdapter:
    """The DynamoDB adapter the settings describe."""
    resource = dynamodb_resource(settings.aws_region, settings.dynamodb_endpoint)
    return VersionedDynamoDbAdapter(
        settings.dynamodb_table, resource=resource, create_table=settings.dynamodb_create_table
    )


def check_settings(settings: EndpointSettings) -> None:
    """UserInputError unless DynamoDB persistence names a region boto3 can reach."""
    if settings.persistence != "dynamodb" or settings.dynamodb_endpoint:
        return  # DynamoDB-compatible local servers take any region
    region = settings.aws_region
    if not region:
        raise UserInputError(
            "KINDWELL_PERSISTENCE=dynamodb needs the table's region: set AWS_REGION, for example AWS_REGION=eu-west-1."
        )
    try:
        import boto3
    except ImportError:
        raise KindWellError(
            "DynamoDB persistence needs boto3: install KindWell with `pip install 'kindwell[dynamodb]'`."
        ) from None
    session = boto3.session.Session()
    known = {
        name
        for partition in session.get_available_partitions()
        for name in session.get_available_regions("dynamodb", partition_name=partition)
    }
    if known and region not in known:
        raise UserInputError(
            f"AWS_REGION is {region!r}, which is not an AWS region with DynamoDB; "
            "set it to your table's region, such as eu-west-1 (or upgrade boto3 if the region is new)."
        )
