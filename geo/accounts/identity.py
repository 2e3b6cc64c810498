"""Who is calling: the ``Principal`` (anonymous, a user by session or token, the command line)
and its ``Grant``s (a role with its optional OPD, kecamatan or school scope)."""

from __future__ import annotations

from dataclasses import dataclass

VIAS = ("anonymous", "session", "token", "cli")


@dataclass(frozen=True)
class Grant:
    """One role of a user with its optional scope.

    Attributes:
        role: One of ``ROLES``.
        opd: OPD code the role is limited to (``opd_staff``); None: no OPD limit.
        kecamatan: Kecamatan code the role is limited to; None: the whole city.
        npsn: The school (Dapodik NPSN) a ``sekolah`` grant acts for; None for other roles.
    """

    role: str
    opd: str | None = None
    kecamatan: str | None = None
    npsn: str | None = None


@dataclass(frozen=True)
class Principal:
    """Who is calling: anonymous, a user (by session or API token), or the command line.

    Attributes:
        user_id: The user's id; None for anonymous and for the command line.
        username: The username; ``"anonymous"``, or ``"cli:<os user>"`` for the command line.
        display_name: The name to show.
        city_id: The user's city; None for anonymous and for deployment administrators.
        grants: The user's roles with their scopes.
        via: How the caller authenticated: ``session``, ``token``, ``cli`` or ``anonymous``.
        scopes: The actions an API token is limited to; None: no limit beyond the roles.
    """

    user_id: int | None
    username: str
    display_name: str
    city_id: int | None
    grants: tuple[Grant, ...] = ()
    via: str = "anonymous"
    scopes: frozenset[str] | None = None

    @property
    def is_anonymous(self) -> bool:
        """Whether nobody is logged in (the command line is not anonymous)."""
        return self.user_id is None and self.via != "cli"

    def roles(self) -> frozenset[str]:
        """The names of the principal's roles."""
        return frozenset(g.role for g in self.grants)

    @property
    def is_deployment_admin(self) -> bool:
        """Whether the principal administers the whole deployment (no city, role ``admin``)."""
        return not self.is_anonymous and self.city_id is None and "admin" in self.roles()


ANONYMOUS = Principal(user_id=None, username="anonymous", display_name="Anonim", city_id=None)


def cli_principal(os_user: str) -> Principal:
    """The principal of the ``tpo`` command line: a deployment administrator ``cli:<os user>``.

    Args:
        os_user: The operating-system user running the command.

    Returns:
        A principal with role ``admin`` and no city, ``via="cli"``.
    """
    name = f"cli:{os_user}"[:64]
    return Principal(
        user_id=None,
        username=name,
        display_name=name,
        city_id=None,
        grants=(Grant("admin"),),
        via="cli",
    )
