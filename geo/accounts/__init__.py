"""The accounts wing: users and roles, the permission matrix, the Principal, the audit log."""

from geo.accounts.access import RowScope, allowed, authorize, row_scope
from geo.accounts.audit import AuditEntry, AuditPage, list_audit, record
from geo.accounts.identity import ANONYMOUS, Grant, Principal, cli_principal
from geo.accounts.login import authenticate
from geo.accounts.passwords import (
    check_policy,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from geo.accounts.permissions import PERMISSIONS, UnknownActionError
from geo.accounts.principals import principal_for_user
from geo.accounts.rules import SCOPES, Rule, matrix_problems
from geo.accounts.sessions import end_session, end_user_sessions, resolve_session, start_session
from geo.accounts.tokens import TokenInfo, create_token, list_tokens, resolve_token, revoke_token
from geo.accounts.users import (
    OpdInfo,
    UserInfo,
    create_user,
    get_user,
    grant,
    list_opds,
    list_users,
    revoke,
    set_active,
    set_password,
    upsert_opd,
)
from geo.models import ROLES

__all__ = [
    "ANONYMOUS",
    "PERMISSIONS",
    "ROLES",
    "SCOPES",
    "AuditEntry",
    "AuditPage",
    "Grant",
    "OpdInfo",
    "Principal",
    "RowScope",
    "Rule",
    "TokenInfo",
    "UnknownActionError",
    "UserInfo",
    "allowed",
    "authenticate",
    "authorize",
    "check_policy",
    "cli_principal",
    "create_token",
    "create_user",
    "end_session",
    "end_user_sessions",
    "generate_password",
    "get_user",
    "grant",
    "hash_password",
    "list_audit",
    "list_opds",
    "list_tokens",
    "list_users",
    "matrix_problems",
    "needs_rehash",
    "principal_for_user",
    "record",
    "resolve_session",
    "resolve_token",
    "revoke",
    "revoke_token",
    "row_scope",
    "set_active",
    "set_password",
    "start_session",
    "upsert_opd",
    "verify_password",
]
