"""python manage.py rotate_keys [--dry-run] — re-encrypt every encrypted field under the primary data key.

Finds the encrypted fields of every installed model, reads the stored ciphertexts in primary-key order, batch
by batch, and re-seals each value not yet under the primary key, one transaction per batch with the rows
locked. Values already under the primary key are left alone, so running it twice changes nothing. Once it
reports nothing left under an old key, that key may be removed from the ring.

三权分立 (issue 8 item 2): a rotation that writes needs ``--signed-off-by USERNAME``, an active security
administrator (``security.keys``) who signs it off; the rotation is recorded in their name
(``security.keys_rotated``). A dry run needs no sign-off.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from access import crypto
from access.fields import encrypted_fields


@dataclass
class Tally:
    rows: int = 0
    values: int = 0
    current: int = 0
    rotated: int = 0
    failed: int = 0


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the current primary data key (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change, write nothing")
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument(
            "--signed-off-by",
            metavar="USERNAME",
            help="the security administrator who signs the rotation off (required unless --dry-run)",
        )

    def _sign_off(self, username: str | None):
        from access.policy import may
        from org.models import User

        if not username:
            raise CommandError("密钥轮换须由安全管理员签批：--signed-off-by USERNAME（演练请用 --dry-run）。")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None or not may(user, "security.keys"):
            raise CommandError(f"{username!r} 不是在岗的安全管理员，不能签批密钥轮换。")
        return user

    def handle(self, *args, dry_run: bool, batch: int, signed_off_by: str | None = None, **options):
        signer = None if dry_run else self._sign_off(signed_off_by)
        ring = crypto.keyring()
        self.stdout.write(f"primary key: {ring.primary}; keys in ring: {', '.join(ring.keys)}")
        total = Tally()
        for model in apps.get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            fields = encrypted_fields(model)
            if not fields:
                continue
            t = self._rotate_model(model, fields, ring, batch=batch, dry_run=dry_run)
            verb = "would re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(
                f"{meta.label}: {t.rows} rows, {t.values} values; {verb} {t.rotated}, "
                f"{t.current} already current, {t.failed} unreadable"
            )
            for k in ("rows", "values", "current", "rotated", "failed"):
                setattr(total, k, getattr(total, k) + getattr(t, k))
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{'DRY RUN: ' if dry_run else ''}{verb} {total.rotated} of {total.values} values "
                f"({total.current} already under {ring.primary})"
            )
        )
        if signer is not None:
            from access import audit

            audit.record(
                actor=signer,
                action="security.keys_rotated",
                detail={"primary": ring.primary, "rotated": total.rotated, "values": total.values,
                        "failed": total.failed},
            )  # fmt: skip
        if total.failed:
            raise CommandError(
                f"{total.failed} value(s) could not be decrypted; see above. Nothing else failed."
            )

    def _rotate_model(self, model, fields, ring: crypto.KeyRing, *, batch: int, dry_run: bool) -> Tally:
        qn = connection.ops.quote_name
        meta = model._meta
        table, pk = qn(meta.db_table), qn(meta.pk.column)
        cols = [qn(f.column) for f in fields]
        lock = " FOR UPDATE" if connection.features.has_select_for_update and not dry_run else ""
        # Identifiers come from model metadata, quoted; values are parameters.
        select = f"SELECT {pk}, {', '.join(cols)} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s{lock}"  # noqa: S608
        first = f"SELECT {pk}, {', '.join(cols)} FROM {table} ORDER BY {pk} LIMIT %s{lock}"  # noqa: S608
        update = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in cols)} WHERE {pk} = %s"  # noqa: S608
        t = Tally()
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cur:
                if last is None:
                    cur.execute(first, [batch])
                else:
                    cur.execute(select, [last, batch])
                rows = cur.fetchall()
                changes = [c for c in (self._reseal(meta, fields, ring, row, t) for row in rows) if c]
                if changes and not dry_run:
                    cur.executemany(update, changes)
            if not rows:
                return t
            t.rows += len(rows)
            last = rows[-1][0]
            if len(rows) == batch:
                self.stdout.write(f"  {meta.label}: {t.rows} rows scanned, {t.rotated} re-encrypted…")

    def _reseal(self, meta, fields, ring: crypto.KeyRing, row, t: Tally) -> list | None:
        """The row's new column values (then its pk) if any value was under an old key, else None."""
        values, changed = list(row[1:]), False
        for i, (f, token) in enumerate(zip(fields, row[1:], strict=True)):
            if token is None:
                continue
            t.values += 1
            try:
                plain = ring.decrypt(token, f.crypto_context)  # a current value must still open in its place
                if ring.is_current(token):
                    t.current += 1
                    continue
                values[i] = ring.encrypt(plain, f.crypto_context)
            except crypto.DecryptionError as exc:
                t.failed += 1
                self.stderr.write(f"{meta.label} pk={row[0]} {f.name}: {exc}")
                continue
            t.rotated += 1
            changed = True
        return [*values, row[0]] if changed else None
