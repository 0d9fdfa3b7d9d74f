"""Encrypted model fields (DESIGN.md: T3 free text and all T4 encrypted at rest).

The column is plain text holding an ``access.crypto`` ciphertext (``x1:<kid>:…``); the model attribute holds
the plaintext. The associated data names the column's place (``app_label.model_name.field_name``), so a value
copied into another column does not decrypt. Renaming the model or the field therefore needs a data migration
that re-encrypts the column under the new name.

Encrypted columns cannot be searched: every lookup except ``isnull`` raises ``EncryptedLookupError``.
Python ``None`` is stored as SQL NULL (so ``EncryptedJSONField`` cannot tell JSON ``null`` from no value).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core import checks
from django.core.exceptions import FieldError
from django.db import models

from access import crypto


class EncryptedLookupError(FieldError):
    pass


class EncryptedFieldMixin:
    """Encrypt on the way to the database, decrypt on the way back; refuse to be searched."""

    model: type[models.Model]
    name: str

    @property
    def crypto_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    # -- values -------------------------------------------------------------------------------------------
    def _to_text(self, value: Any) -> str:  # plaintext attribute → the text that gets sealed
        return str(value)

    def _from_text(self, text: str) -> Any:  # the opened text → the attribute
        return text

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        if hasattr(value, "resolve_expression"):
            return value
        return crypto.encrypt(self._to_text(value), self.crypto_context)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self._from_text(crypto.decrypt(value, self.crypto_context))

    # -- searching ----------------------------------------------------------------------------------------
    def get_lookup(self, lookup_name: str):
        if lookup_name != "isnull":
            raise EncryptedLookupError(
                f"{self.crypto_context} is encrypted and cannot be filtered with '__{lookup_name}'; "
                "only '__isnull' works. Filter on another field and read the value in Python."
            )
        return super().get_lookup(lookup_name)  # type: ignore[misc]

    def get_transform(self, lookup_name: str):
        raise EncryptedLookupError(f"{self.crypto_context} is encrypted and has no '__{lookup_name}'.")

    # -- checks -------------------------------------------------------------------------------------------
    def check(self, **kwargs):
        errors = super().check(**kwargs)  # type: ignore[misc]
        if self.unique or self.db_index or self.primary_key:  # type: ignore[attr-defined]
            errors.append(
                checks.Error(
                    "An encrypted field cannot be unique, indexed or a primary key: every write is sealed "
                    "with a fresh nonce, so equal values never compare equal.",
                    obj=self,
                    id="access.E001",
                )
            )
        return errors


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Free text encrypted at rest (加密文本)."""

    description = "Text encrypted with AES-256-GCM"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else str(value)


class EncryptedJSONField(EncryptedFieldMixin, models.TextField):
    """A JSON value encrypted at rest; the attribute is the decoded Python value."""

    description = "JSON encrypted with AES-256-GCM"
    empty_strings_allowed = False

    def _to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def _from_text(self, text: str) -> Any:
        return json.loads(text)

    def get_prep_value(self, value):
        return value

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return self._to_text(self.value_from_object(obj))

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": forms.JSONField, **kwargs})


def encrypted_fields(model: type[models.Model]) -> list[EncryptedFieldMixin]:
    """The encrypted concrete fields of ``model`` (for ``rotate_keys``)."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin) and f.model is model]
