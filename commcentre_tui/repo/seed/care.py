"""Generated customer-care rows of one contact: communications, activities, jobs, service
requests, leads, cases with follow-ups and tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commcentre_tui.repo.seed.care_topics import TOPIC_DRAW, TOPICS

if TYPE_CHECKING:
    from commcentre_tui.repo.seed.generate import Customer

DAY = 86400
_MEDIA = ("phone",) * 40 + ("email",) * 30 + ("sms",) * 15 + ("chat",) * 10 + ("letter",) * 5
_ERRORS = ("Mailbox unavailable", "Recipient address rejected", "SMS gateway timeout")
_ACTIVITIES = ("Installation", "Technician Visit", "Router Delivery", "Decoder Setup")
_JOBS = ("Technician Visit", "Equipment Collection", "Signal Check", "Cable Repair")
_REQUESTS = ("Fault", "Billing Query", "Relocation", "Upgrade Request", "Equipment Return")
_UNITS = ("Care", "Technical", "Sales", "Finance")
_TASKS = (
    "Call back about the bill",
    "Confirm technician appointment",
    "Check the line after repair",
    "Send the renewal offer",
    "Chase the signed mandate",
)
_TASK_KINDS = ("call", "call", "call", "email", "meeting", "chat", "other")
_LEVELS = ("low", "normal", "normal", "normal", "high", "urgent")
_SEVERITIES = ("minor", "minor", "major", "critical")


class CareRows:
    """Mixin of :class:`~commcentre_tui.repo.seed.generate.Generator` for care rows."""

    rng: Any
    ids: Any
    enc: Any
    rows: dict[str, list[tuple[Any, ...]]]
    profile: Any
    world: Any
    anchor_ts: int
    soon_left: int

    def agent(self) -> tuple[int, str | None]:
        raise NotImplementedError

    def care(self, cust: Customer) -> None:
        """Communications first (follow-ups link to them), then the care records."""
        r, p = self.rng.random, self.profile
        self._communications(cust)
        if r() < p.activity:
            self._activity(cust)
        if r() < p.job:
            self._job(cust)
        if r() < p.service_request:
            self._service_request(cust)
        if r() < p.lead and self.world.recurring:
            self._lead(cust)
        case_id = self._case(cust) if r() < p.case else None
        if r() < p.task or self.soon_left > 0:
            self._task(cust, case_id)

    def _when(self, cust: Customer, days: int = 730) -> int:
        start = max(cust.created, self.anchor_ts - days * DAY)
        return start + int(self.rng.random() * (self.anchor_ts - start))

    def _communications(self, cust: Customer) -> None:
        r, enc, ids, world = self.rng.random, self.enc, self.ids, self.world
        lo, hi = self.profile.comms
        n = lo + int(r() * (hi - lo + 1))
        times = sorted(self._when(cust, self.profile.comm_days) for _ in range(n))
        rows = self.rows["communication"]
        for t in times:
            agent_id, unit = self.agent()
            category, _w, topics = TOPIC_DRAW[int(r() * len(TOPIC_DRAW))]
            subject, content = topics[int(r() * len(topics))]
            media = _MEDIA[int(r() * len(_MEDIA))]
            if category == "Notification":
                media, direction = ("email" if r() < 0.6 else "sms"), "outgoing"
            else:
                direction = "incoming" if r() < (0.9 if media == "chat" else 0.45) else "outgoing"
            if media == "email" and not cust.email:
                media = "phone"
            recipient = (
                cust.email if media == "email" else cust.phone if media in ("sms", "phone") else ""
            )
            state = "draft" if r() < 0.04 else "completed"
            delivery = error = sent = None
            attempts = 0
            if direction == "outgoing" and media in ("email", "sms") and state == "completed":
                if r() < 0.96:
                    delivery, attempts, sent = "sent", 1, enc.ts(t + 5)
                else:
                    delivery, attempts, error = "failed", 3, _ERRORS[int(r() * 3)]
            call = duration = reason = outcome = None
            done = t
            if media == "phone":
                duration = 20 + int(r() * 900)
                call, done = enc.ts(t), t + duration
                if state == "completed":
                    reason = world.reasons[int(r() * len(world.reasons))] if world.reasons else None
                    outcome = (
                        world.outcomes[int(r() * len(world.outcomes))] if world.outcomes else None
                    )
            related_type = related_id = None
            if category == "Billing" and cust.bills:
                related_type, related_id = "bill", cust.bills[int(r() * len(cust.bills))]
            follow = cust.comms[-1] if cust.comms and r() < 0.06 else None
            cid = ids.take("communication")
            rows.append(
                (
                    cid,
                    cust.id,
                    agent_id,
                    direction,
                    media,
                    category,
                    subject,
                    content.format(first=cust.first),
                    recipient or "",
                    state,
                    delivery,
                    attempts,
                    error,
                    "",
                    related_type,
                    related_id,
                    follow,
                    None,
                    "unit" if r() < 0.04 else "public",
                    unit,
                    call,
                    duration,
                    reason,
                    outcome,
                    enc.ts(t),
                    enc.ts(done) if state == "completed" else None,
                    sent,
                    1,
                )
            )
            cust.comms.append(cid)

    def _item(self, cust: Customer) -> tuple[int, tuple[Any, ...]]:
        """Creation time and the shared fields (assigned unit/agent, created by)."""
        r = self.rng.random
        created = self._when(cust)
        agent_id, unit = self.agent()
        return created, (unit or _UNITS[int(r() * 4)], agent_id, self.agent()[0])

    def _activity(self, cust: Customer) -> None:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created, who = self._item(cust)
        kind = _ACTIVITIES[int(r() * len(_ACTIVITIES))]
        start = min(created + int(r() * 10 * DAY), self.anchor_ts + 5 * DAY)
        x = r()
        status = (
            "completed"
            if x < 0.6
            else "open"
            if x < 0.8
            else "in_progress"
            if x < 0.9
            else "cancelled"
        )
        if start > self.anchor_ts and status in ("completed", "in_progress"):
            status = "open"
        sub = cust.subscriptions[0][0] if cust.subscriptions else None
        aid = ids.take("activity")
        self.rows["activity"].append(
            (
                aid,
                cust.id,
                ids.number("activity"),
                kind,
                f"{kind} for the customer's home.",
                status,
                *who,
                "subscription" if sub else None,
                sub,
                enc.ts(start),
                enc.ts(start + 7200),
                enc.ts(start + 10800),
                enc.ts(start + 9000) if status == "completed" else None,
                enc.ts(created),
                enc.ts(max(created, min(start + 9000, self.anchor_ts))),
                1,
            )
        )
        names = {name: pid for pid, name, _price in self.world.one_time}
        for name in (kind, "Router Delivery") if r() < 0.3 else (kind,):
            if name in names:
                self.rows["activity_service"].append(
                    (ids.take("activity_service"), aid, names[name], 1)
                )

    def _job(self, cust: Customer) -> None:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created, who = self._item(cust)
        kind = _JOBS[int(r() * len(_JOBS))]
        scheduled = created + int(r() * 7 * DAY)
        status = "completed" if scheduled < self.anchor_ts and r() < 0.8 else "open"
        self.rows["job"].append(
            (
                ids.take("job"),
                cust.id,
                ids.number("job"),
                kind,
                f"{kind} requested by the customer.",
                status,
                *who,
                cust.accounts[0] if cust.accounts else None,
                enc.ts(scheduled),
                enc.ts(scheduled + 5400) if status == "completed" else None,
                enc.ts(created),
                enc.ts(min(scheduled + 5400, self.anchor_ts) if status == "completed" else created),
                1,
            )
        )

    def _service_request(self, cust: Customer) -> None:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created, who = self._item(cust)
        kind = _REQUESTS[int(r() * len(_REQUESTS))]
        x = r()
        status = (
            "open"
            if x < 0.2
            else "in_progress"
            if x < 0.35
            else "resolved"
            if x < 0.6
            else "closed"
        )
        resolved = min(created + int(r() * 5 * DAY) + 3600, self.anchor_ts - 60)
        sub, acc = cust.subscriptions[0] if cust.subscriptions else (None, None)
        self.rows["service_request"].append(
            (
                ids.take("service_request"),
                cust.id,
                ids.number("service_request"),
                kind,
                f"{kind}: reported by phone.",
                status,
                *who,
                _LEVELS[int(r() * 6)],
                _SEVERITIES[int(r() * 4)],
                sub,
                acc or (cust.accounts[0] if cust.accounts else None),
                enc.ts(resolved) if status in ("resolved", "closed") else None,
                enc.ts(created),
                enc.ts(resolved if status in ("resolved", "closed") else created),
                1,
            )
        )

    def _lead(self, cust: Customer) -> None:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created, who = self._item(cust)
        pid, name, price = self.world.recurring[int(r() * len(self.world.recurring))]
        x = r()
        status = "new" if x < 0.35 else "qualified" if x < 0.6 else "won" if x < 0.8 else "lost"
        self.rows["lead"].append(
            (
                ids.take("lead"),
                cust.id,
                ids.number("lead"),
                ("phone", "web", "walk_in", "referral", "campaign")[int(r() * 5)],
                f"Interested in {name}.",
                status,
                *who,
                pid,
                name,
                enc.money(price * 12),
                enc.ts(created),
                enc.ts(created),
                1,
            )
        )

    def _case(self, cust: Customer) -> int:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created, who = self._item(cust)
        _cat, _w, topics = TOPICS[3] if r() < 0.5 else TOPICS[1]
        subject, content = topics[int(r() * len(topics))]
        closed = r() < 0.6
        closed_at = min(created + int(r() * 14 * DAY) + 3600, self.anchor_ts - 60)
        case_id: int = ids.take("care_case")
        self.rows["care_case"].append(
            (
                case_id,
                cust.id,
                ids.number("case"),
                subject,
                content.format(first=cust.first),
                "closed" if closed else "open",
                *who,
                _SEVERITIES[int(r() * 4)],
                _LEVELS[int(r() * 6)],
                "unit" if r() < 0.1 else "public",
                enc.ts(closed_at) if closed else None,
                enc.ts(created),
                enc.ts(closed_at if closed else created),
                1,
            )
        )
        when = created
        for n in range(1 + int(r() * 3)):
            when = min(when + int(r() * 3 * DAY) + 600, self.anchor_ts - 60)
            link = cust.comms[int(r() * len(cust.comms))] if cust.comms and r() < 0.4 else None
            note = (
                "Customer called for an update.",
                "Escalated to the technical team.",
                "Waiting for the customer's reply.",
                "Resolved; customer satisfied.",
            )[3 if closed and n else int(r() * 3)]
            self.rows["follow_up"].append(
                (
                    ids.take("follow_up"),
                    case_id,
                    "communication" if link else "note",
                    note,
                    link,
                    self.agent()[0],
                    enc.ts(when),
                )
            )
        return case_id

    def _task(self, cust: Customer, case_id: int | None) -> None:
        r, enc, ids = self.rng.random, self.enc, self.ids
        created = self._when(cust, 30)
        if self.soon_left > 0:
            self.soon_left -= 1
            agents = self.world.agents
            assigned = agents[self.soon_left % len(agents)][0]
            due, minutes = self.anchor_ts + 1200 + int(r() * 100 * 60), 15
        else:
            assigned = self.agent()[0]
            due, minutes = (
                self.anchor_ts + int((r() * 44 - 30) * DAY),
                (15, 15, 30, 60)[int(r() * 4)],
            )
        remind = due - minutes * 60
        done = due < self.anchor_ts and r() < 0.7
        self.rows["task"].append(
            (
                ids.take("task"),
                cust.id,
                case_id if r() < 0.5 else None,
                _TASK_KINDS[int(r() * len(_TASK_KINDS))],
                _TASKS[int(r() * len(_TASKS))],
                f"Agreed with {cust.first}.",
                enc.ts(due),
                minutes,
                enc.ts(remind),
                enc.ts(remind) if remind < self.anchor_ts else None,
                "completed" if done else "open",
                assigned,
                self.agent()[0],
                enc.ts(min(created, due - 3600)),
                1,
            )
        )
