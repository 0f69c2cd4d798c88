"""Object permissions for Django's ``has_perm`` (admin, templates), derived from the one matrix
in :mod:`riskdesk.accounts.permissions`."""

import rules
from django.core.exceptions import PermissionDenied

from riskdesk.accounts import permissions


def _allowed(action: str):
    @rules.predicate
    def check(user, customer=None) -> bool:
        try:
            permissions.require(user, action, customer)
        except PermissionDenied:
            return False
        return True

    return check


rules.add_perm("customers.view_customer", _allowed("view"))
rules.add_perm("customers.change_customer", _allowed("change"))
rules.add_perm("customers.add_customer", _allowed("create"))
rules.add_perm("customers.delete_customer", _allowed("delete"))
rules.add_perm("customers.import_data", _allowed("import"))
rules.add_perm("customers.export_customer", _allowed("export"))
