"""SQLModel tables, one module per domain area. Importing this package registers them all."""

from commcentre_tui.models.billing import (
    Product,
    Subscription,
    SubscriptionEvent,
    SubscriptionService,
)
from commcentre_tui.models.care import (
    Activity,
    ActivityService,
    Case,
    FollowUp,
    Job,
    Lead,
    ServiceRequest,
    Task,
)
from commcentre_tui.models.changes import ContactChange
from commcentre_tui.models.comms import Communication, CommunicationQueue, FormDraft, Template
from commcentre_tui.models.crm import (
    Contact,
    ContactAddress,
    ContactEmail,
    ContactPhone,
    NumberSequence,
)
from commcentre_tui.models.finance import (
    Account,
    Bill,
    BillLine,
    Credit,
    Invoice,
    Payment,
    Voucher,
    Wallet,
    WalletTransaction,
)
from commcentre_tui.models.inbound import InboundAttachment, InboundMessage
from commcentre_tui.models.rewards import (
    RewardAwardTransaction,
    RewardParticipant,
    RewardSpendTransaction,
)
from commcentre_tui.models.security import (
    Agent,
    AgentKey,
    AgentSession,
    AuditEntry,
    Permission,
    Role,
)
from commcentre_tui.models.types import Money, money, utcnow

__all__ = [
    "Account",
    "Activity",
    "ActivityService",
    "Agent",
    "AgentKey",
    "AgentSession",
    "AuditEntry",
    "Bill",
    "BillLine",
    "Case",
    "Communication",
    "CommunicationQueue",
    "Contact",
    "ContactAddress",
    "ContactChange",
    "ContactEmail",
    "ContactPhone",
    "Credit",
    "FollowUp",
    "FormDraft",
    "InboundAttachment",
    "InboundMessage",
    "Invoice",
    "Job",
    "Lead",
    "Money",
    "NumberSequence",
    "Payment",
    "Permission",
    "Product",
    "RewardAwardTransaction",
    "RewardParticipant",
    "RewardSpendTransaction",
    "Role",
    "ServiceRequest",
    "Subscription",
    "SubscriptionEvent",
    "SubscriptionService",
    "Task",
    "Template",
    "Voucher",
    "Wallet",
    "WalletTransaction",
    "money",
    "utcnow",
]
