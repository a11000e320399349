"""What functions cost on AWS Lambda: the price catalog, exact bills, estimates and the ledger."""

from faaslib.billing.bill import Bill, Usage, bill_usages, estimate
from faaslib.billing.catalog import ArchitecturePrices, PriceCatalog, PriceTier
from faaslib.billing.costs import Budget, Costs
from faaslib.billing.ledger import FunctionLedger, LedgerRow

__all__ = [
    "ArchitecturePrices",
    "Bill",
    "Budget",
    "Costs",
    "FunctionLedger",
    "LedgerRow",
    "PriceCatalog",
    "PriceTier",
    "Usage",
    "bill_usages",
    "estimate",
]
