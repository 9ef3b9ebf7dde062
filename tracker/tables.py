"""Every table of the tracker: the whole schema in one reviewable file.

Schema changes are additive (new tables, new nullable columns), because SQLite cannot alter a
column's type or nullability and the same migrations must run on SQLite and PostgreSQL.
Money is stored in whole pence (BigInt) so that sums are exact.

Uniqueness across several columns is a unique index created in the migrations (SQLite cannot add
a constraint to an existing table, and a unique index serves ON CONFLICT on both engines); they
are listed in UNIQUE_INDEXES below and a test checks that each exists.
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Bytea,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

# --- Organisations -----------------------------------------------------------------------


class Region(Table, tablename="region"):
    """An NHS England region (the ODS 'national grouping', e.g. Y63)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=8, unique=True)
    name = Varchar(length=200)


class LocalOffice(Table, tablename="local_office"):
    """An NHS England local office / area team (the ODS 'high level health geography', e.g. Q74)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=8, unique=True)
    name = Varchar(length=200)


class Ccg(Table, tablename="ccg"):
    """A Clinical Commissioning Group, keyed by its ODS code (e.g. 00K)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=8, unique=True)
    name = Varchar(length=200)
    region = ForeignKey(references=Region, null=True, on_delete=OnDelete.restrict)
    contact_email = Varchar(length=320, default="")
    open_date = Date(null=True, default=None)  # from the ODS CCG file (eccg.csv)
    close_date = Date(null=True, default=None)


class Practice(Table, tablename="practice"):
    """A GP practice, keyed by its ODS code; closed practices are kept with their dates."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    ods_code = Varchar(length=8, unique=True)
    name = Varchar(length=200)
    address = Text(default="")
    postcode = Varchar(length=10, default="", index=True)
    region = ForeignKey(references=Region, null=True, on_delete=OnDelete.restrict, index=True)
    local_office = ForeignKey(references=LocalOffice, null=True, on_delete=OnDelete.restrict)
    ccg = ForeignKey(references=Ccg, null=True, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=1, default="A", index=True)  # ODS: A active, C closed, D dormant, P proposed
    open_date = Date(null=True, default=None)
    close_date = Date(null=True, default=None)
    phone = Varchar(length=40, default="")
    clinical_system = Varchar(length=40, default="")
    contact_email = Varchar(length=320, default="")
    # The date of the newest ODS practice file that listed the practice: an older file never
    # changes what a newer one said, and a practice missing from the newest file shows as such.
    ods_as_at = Date(null=True, default=None)


class OdsEdition(Table, tablename="ods_edition"):
    """An edition of an ODS file that was imported, dated by the latest date found inside it."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    kind = Varchar(length=20)  # practices | ccgs | memberships
    as_at = Date()
    records = Integer(default=0)
    imported_at = Timestamptz()


class PracticeMembership(Table, tablename="practice_membership"):
    """A practice's membership of a CCG from one date to another (the ODS membership file and the
    join dates in each practice file): a practice's CCG on any date is read from here."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.cascade, index=True)
    start_date = Date()
    end_date = Date(null=True, default=None)  # None: still a member when last seen


class CcgRegion(Table, tablename="ccg_region"):
    """The region a CCG was in according to one edition of the ODS practice file (the region of
    most of its practices then): a CCG's region on a date is that of the latest edition on or
    before it (the earliest edition for dates before any)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.cascade, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.cascade)
    as_at = Date()


class PracticeRegion(Table, tablename="practice_edition_region"):
    """The region an edition of the ODS practice file gave a practice: the region of the time for a
    CCG that no edition of that time lists yet (a CCG formed by a merger)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    region = ForeignKey(references=Region, on_delete=OnDelete.cascade)
    as_at = Date()


class ListSize(Table, tablename="list_size"):
    """Patients registered at a practice on a snapshot date, as NHS Digital published it."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    snapshot_date = Date()
    patients = Integer()
    ccg_code = Varchar(length=8, default="")  # the CCG the publication placed the practice in


class ListSizeBand(Table, tablename="list_size_band"):
    """A practice's registered patients by sex and age band on a snapshot date (NHSBSA quarters)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    snapshot_date = Date()
    # 18 whole numbers, comma-separated, in the publication's order: Male 0-4, Female 0-4, ...
    # Male 75+, Female 75+ (tracker.organisations.listsize_files.BANDS). One row, not 18, per
    # practice and snapshot: ten quarters would otherwise be 1.6 million rows.
    bands = Varchar(length=200)


class FeedValue(Table, tablename="feed_value"):
    """A national feed's value for a practice, period and catalogue indicator (fixtures/feeds.toml)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    period_code = Varchar(length=12, index=True)  # 2018/19-Q1: feeds may arrive before the period exists
    indicator_code = Varchar(length=40)
    source = Varchar(length=20)  # pomi | pomi-2015 | nhs-choices | gp2gp
    value = DoublePrecision()  # percent 0-100, or 1/0 for yes/no
    numerator = DoublePrecision(null=True, default=None)
    denominator = DoublePrecision(null=True, default=None)
    detail = Varchar(length=200, default="")  # where it came from, e.g. "POMI 30JUN2018: 1,896 of 9,431"


# --- Indicators and periods ----------------------------------------------------------------


class Indicator(Table, tablename="indicator"):
    """One digital maturity indicator; the catalogue is loaded from fixtures/indicators.toml."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=40, unique=True)
    name = Varchar(length=200)
    theme = Varchar(length=60)
    unit = Varchar(length=10)  # percent | yesno | count
    higher_is_better = Boolean(default=True)
    target_value = DoublePrecision()
    target_date = Date(null=True, default=None)
    target_annual = Boolean(default=False)  # true: due every 31 March (e.g. IG Toolkit)
    provenance_kind = Varchar(length=10)  # national | local
    provenance = Text(default="")
    weight = DoublePrecision(default=1.0)
    definition = Text(default="")
    sort_order = Integer(default=0)
    active = Boolean(default=True)


class Period(Table, tablename="period"):
    """A quarterly reporting period, e.g. 2017/18 Q4 (January to March 2018)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=12, unique=True)  # 2017/18-Q4
    financial_year = Varchar(length=7)  # 2017/18
    quarter = Integer()
    start_date = Date()
    end_date = Date()
    opens_on = Date()
    due_on = Date()
    locks_on = Date()


# --- Accounts -------------------------------------------------------------------------------


class Account(Table, tablename="account"):
    """A person who signs in. The role and organisation decide what they may see and do."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    email = Varchar(length=320, unique=True)  # stored lower-case
    name = Varchar(length=200, default="")
    password_hash = Varchar(length=400, default="")
    role = Varchar(length=10)  # practice | ccg | region | national | admin
    ccg = ForeignKey(references=Ccg, null=True, on_delete=OnDelete.restrict)
    region = ForeignKey(references=Region, null=True, on_delete=OnDelete.restrict)
    disabled = Boolean(default=False)
    demo = Boolean(default=False)
    created_at = Timestamptz()
    last_sign_in_at = Timestamptz(null=True, default=None)
    failed_sign_ins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    sessions_valid_after = Timestamptz(null=True, default=None)  # "sign out everywhere"


class AccountPractice(Table, tablename="account_practice"):
    """The practices a practice user works for."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)


class AccountToken(Table, tablename="account_token"):
    """A single-use, expiring link: an invitation or a password reset. Only its hash is stored."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=10)  # invite | reset
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    """A system supplier's token for one organisation's API access. Only its hash is stored."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    name = Varchar(length=200)
    token_hash = Varchar(length=64, unique=True)
    practice = ForeignKey(references=Practice, null=True, on_delete=OnDelete.cascade)
    ccg = ForeignKey(references=Ccg, null=True, on_delete=OnDelete.cascade)
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class KeyValue(Table, tablename="key_value"):
    """Shared short-lived state (sessions, sign-in throttles) that every web worker must see."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    key = Varchar(length=200, unique=True)
    value = Text()
    expires_at = Timestamptz(null=True, default=None, index=True)


class AuditEvent(Table, tablename="audit_event"):
    """Who did what, when and from where. Written by the tracker, never edited through it."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    at = Timestamptz(index=True)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null, index=True)
    actor = Varchar(length=320, default="")  # email or "system", kept if the account goes
    action = Varchar(length=60, index=True)
    entity_type = Varchar(length=40, default="")
    entity_id = Varchar(length=60, default="")
    detail = Text(default="")  # JSON
    ip = Varchar(length=64, default="")


# --- Returns --------------------------------------------------------------------------------


class PracticeReturn(Table, tablename="practice_return"):
    """One practice's return for one period. A return that was never started has no row."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    period = ForeignKey(references=Period, on_delete=OnDelete.restrict, index=True)
    state = Varchar(length=12, default="draft", index=True)  # draft | submitted | approved | returned
    version = Integer(default=1)  # optimistic lock: every save must name the version it read
    created_at = Timestamptz()
    updated_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    first_submitted_at = Timestamptz(null=True, default=None)  # timeliness uses the first submission
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    returned_reason = Text(default="")


class ReturnValue(Table, tablename="return_value"):
    """One indicator's value in a return. Yes/no is stored as 1/0; percentages as 0-100."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice_return = ForeignKey(references=PracticeReturn, on_delete=OnDelete.cascade, index=True)
    indicator = ForeignKey(references=Indicator, on_delete=OnDelete.restrict)
    value = DoublePrecision(null=True, default=None)
    numerator = BigInt(null=True, default=None)
    denominator = BigInt(null=True, default=None)
    comment = Text(default="")


class LockException(Table, tablename="lock_exception"):
    """An administrator's permission for one practice to change a locked period's return."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade)
    period = ForeignKey(references=Period, on_delete=OnDelete.cascade)
    until = Date()
    reason = Text(default="")
    granted_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    granted_at = Timestamptz()


# --- Scheduling and email -------------------------------------------------------------------


class JobClaim(Table, tablename="job_claim"):
    """Exactly-once: a unit of scheduled work is done by whoever inserts its (job, key) first."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    job = Varchar(length=60)
    key = Varchar(length=200)
    claimed_at = Timestamptz()


class OutboxEmail(Table, tablename="outbox_email"):
    """An email the tracker means to send. The idempotency key makes each one exactly once."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    idempotency_key = Varchar(length=200, unique=True)
    kind = Varchar(length=40, index=True)
    to_address = Varchar(length=320)
    subject = Varchar(length=300)
    body_text = Text()
    body_html = Text(default="")
    attachment_name = Varchar(length=200, default="")
    attachment_path = Varchar(length=500, default="")  # emails queued before attachments were kept in outbox_attachment
    attachment_sha256 = Varchar(length=64, default="")  # the outbox_attachment it carries ("" for none)
    state = Varchar(length=10, default="queued", index=True)  # queued | sent | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    practice = ForeignKey(references=Practice, null=True, on_delete=OnDelete.set_null)
    ccg = ForeignKey(references=Ccg, null=True, on_delete=OnDelete.set_null)
    period = ForeignKey(references=Period, null=True, on_delete=OnDelete.set_null)


class OutboxAttachment(Table, tablename="outbox_attachment"):
    """A file attached to outbox emails, kept once however many emails carry it (by its SHA-256),
    in the database so that a backup holds every email whole."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    sha256 = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    content = Bytea()
    created_at = Timestamptz()


class ReportOptOut(Table, tablename="report_opt_out"):
    """An email address that has left one kind of report (a row means "do not send"): by the link
    in a report's footer or on the account's reports page. Keyed by address, not account, because
    organisations' contact addresses receive reports too."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    email = Varchar(length=320, index=True)  # stored lower-case
    kind = Varchar(length=40)  # reminders | ccg_report | region_summary | national_summary | alert_digest
    left_at = Timestamptz()
    via = Varchar(length=10, default="link")  # link | account


# --- Scheduling (reminders and status reports) ----------------------------------------------


class Schedule(Table, tablename="schedule"):
    """A job the scheduler runs: what (kind), when (cron, Europe/London), and when it last ran."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    name = Varchar(length=60, unique=True)  # e.g. practice-reminders
    kind = Varchar(length=30)  # practice_reminder | overdue_reminder | ccg_report | region_summary | national_summary
    cron = Varchar(length=100)  # minute hour day-of-month month day-of-week
    enabled = Boolean(default=True)
    last_run_at = Timestamptz(null=True, default=None)
    last_fire_at = Timestamptz(null=True, default=None)  # the scheduled time the last run stood for
    next_run_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(null=True, default=None)


class JobRun(Table, tablename="job_run"):
    """One run of a job: when, why (schedule, catch-up, by hand), what it queued or sent."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    job = Varchar(length=60, index=True)
    trigger = Varchar(length=20, default="schedule")  # schedule | manual | cli
    fire_at = Timestamptz(null=True, default=None)
    started_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    state = Varchar(length=10, default="running")  # running | done | failed | skipped
    emails_queued = Integer(default=0)
    emails_skipped = Integer(default=0)
    detail = Text(default="")
    error = Text(default="")
    actor = Varchar(length=320, default="system")


# --- Maturity ------------------------------------------------------------------------------


class PracticeScore(Table, tablename="practice_score"):
    """A practice's maturity as at one period, precomputed from its approved returns.

    Refreshed when a return is approved or corrected, and by `tracker refresh`.
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.cascade, index=True)
    period = ForeignKey(references=Period, on_delete=OnDelete.cascade, index=True)
    maturity = DoublePrecision(null=True, default=None)  # 0-100, None when there is nothing to score
    level = Integer(null=True, default=None)  # 1-4
    status = Varchar(length=10, default="")  # on_track | at_risk | off_track | "" (no data)
    indicators_on_track = Integer(default=0)
    indicators_at_risk = Integer(default=0)
    indicators_off_track = Integer(default=0)
    indicators_scored = Integer(default=0)
    computed_at = Timestamptz()
    # Added for the dashboards: the facts aggregates need, so that a CCG, region or England is a
    # GROUP BY over these rows (the practice's CCG and region, list size, and its return's timing).
    ccg_id = Integer(null=True, default=None, index=True)
    region_id = Integer(null=True, default=None, index=True)
    patients = Integer(null=True, default=None)  # latest list size: the weight in population means
    expected = Boolean(default=False)  # active and open during the period: a return was expected
    submitted = Boolean(default=False)  # a return was submitted (first_submitted_at is set)
    on_time = Boolean(default=False)  # first submitted on or before the due date
    # The forecast made from the approved history up to this period: the date the practice's
    # maturity reaches the Paperless level, or (no date) the reason. Both null: not worked out yet.
    forecast_on = Date(null=True, default=None)
    forecast_note = Varchar(length=60, null=True, default=None)


class IndicatorStat(Table, tablename="indicator_stat"):
    """One indicator's distribution in one period, for England (ccg_id 0) or one CCG: from the
    approved returns of that period. Precomputed by `tracker refresh`; rows for a period are
    deleted when a return of that period is approved or corrected, and rebuilt when next read."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    indicator = ForeignKey(references=Indicator, on_delete=OnDelete.cascade)
    period = ForeignKey(references=Period, on_delete=OnDelete.cascade, index=True)
    ccg_id = Integer(default=0)  # 0: England
    practices = Integer(default=0)  # approved values
    mean = DoublePrecision(null=True, default=None)
    met = Integer(default=0)  # values meeting the target
    deciles = Text(default="")  # JSON list of the 10th..90th percentiles (England rows only)
    # England rows only: the same cuts of every CCG's mean, so a CCG is drawn beside CCGs
    ccg_deciles = Text(default="")
    computed_at = Timestamptz()


class OrgScore(Table, tablename="org_score"):
    """England, a region or a CCG as at one period, aggregated from its practices' practice_score
    rows (population-weighted maturity, statuses, deciles, completeness and timeliness). Rebuilt
    by `tracker refresh` and, for the practice's CCG, region and England, after each approval."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    scope = Varchar(length=10)  # england | region | ccg
    org_id = Integer(default=0)  # 0 for England
    period = ForeignKey(references=Period, on_delete=OnDelete.cascade, index=True)
    practices = Integer(default=0)  # expected to send a return
    scored = Integer(default=0)  # with an approved return
    maturity = DoublePrecision(null=True, default=None)
    on_track = Integer(default=0)
    at_risk = Integer(default=0)
    off_track = Integer(default=0)
    submitted = Integer(default=0)
    on_time = Integer(default=0)
    patients = BigInt(default=0)
    deciles = Text(default="")  # JSON list of the 10th..90th percentiles of practice maturity
    computed_at = Timestamptz()
    # Practices forecast to reach the Paperless level by the deadline, of those with a forecast;
    # null until the forecasts are worked out.
    forecast_met = Integer(null=True, default=None)
    forecast_made = Integer(null=True, default=None)


# --- Funding -------------------------------------------------------------------------------
# Money is whole pence (BigInt). Approved allocation runs and applied reallocations are never
# edited: a new run supersedes, a new scenario adjusts.


class FundingStream(Table, tablename="funding_stream"):
    """A pot of money: GP IT revenue, the transition fund, capital, ETTF, online consultations."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=40, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=10)  # revenue | capital
    method = Varchar(length=12)  # fair_share | bid | application | fixed
    financial_years = Varchar(length=100, default="")  # "2014/15,2015/16"
    pot_pence = BigInt(default=0)  # the national pot over all its years
    description = Text(default="")
    created_at = Timestamptz()


class AllocationRun(Table, tablename="allocation_run"):
    """A fair-share run: a pot divided between CCGs by registered patients on one snapshot."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    financial_year = Varchar(length=7)
    pot_pence = BigInt()
    snapshot_date = Date()
    basis = Varchar(length=10, default="snapshot")  # snapshot: CCG code as published | register: practice's CCG
    weighting = Varchar(length=20, default="none")
    total_patients = BigInt(default=0)
    state = Varchar(length=12, default="preview", index=True)  # preview | approved | superseded
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    approved_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    superseded_by = Integer(null=True, default=None)  # the run that replaced this one
    note = Text(default="")


class AllocationLine(Table, tablename="allocation_line"):
    """One CCG's share in a run, beside its previous baseline (the last approved run's line)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    run = ForeignKey(references=AllocationRun, on_delete=OnDelete.cascade, index=True)
    ccg_code = Varchar(length=8)
    ccg = ForeignKey(references=Ccg, null=True, on_delete=OnDelete.restrict, index=True)  # None: not in register
    patients = BigInt()
    weight = DoublePrecision(default=1.0)
    amount_pence = BigInt()
    previous_pence = BigInt(null=True, default=None)


class TransitionApplication(Table, tablename="transition_application"):
    """A CCG's application to the transition fund and NHS England's award against it."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.restrict, index=True)
    financial_year = Varchar(length=7)
    committed_costs_pence = BigInt()
    fair_share_pence = BigInt()
    requested_pence = BigInt()
    awarded_pence = BigInt(null=True, default=None)  # None until decided
    state = Varchar(length=10, default="applied")  # applied | awarded | refused
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decision_note = Text(default="")


class CapitalBid(Table, tablename="capital_bid"):
    """A CCG's bid for a capital project; NHS England approves all, part or none."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.restrict, index=True)
    financial_year = Varchar(length=7)
    title = Varchar(length=200)
    purpose = Text(default="")
    indicator_codes = Varchar(length=400, default="")  # comma-separated indicator codes it should move
    amount_pence = BigInt()
    approved_pence = BigInt(null=True, default=None)
    state = Varchar(length=10, default="submitted")  # submitted | approved | part | refused
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    decision_note = Text(default="")


class FundingForecast(Table, tablename="funding_forecast"):
    """A CCG's forecast outturn for one stream and year, entered at one quarter (latest wins)."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.restrict, index=True)
    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    financial_year = Varchar(length=7)
    quarter = Integer()
    outturn_pence = BigInt()
    note = Text(default="")
    entered_at = Timestamptz()
    entered_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class ReallocationScenario(Table, tablename="reallocation_scenario"):
    """A reallocation policy with its parameters, previewed before it is applied."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    financial_year = Varchar(length=7)
    quarter = Integer()
    threshold_pct = DoublePrecision()  # underspend above this % of budget is recovered
    recover_pct = DoublePrecision(default=100.0)  # share of the excess recovered
    recipients = Varchar(length=20, default="pressure")  # pressure | bids | pressure_or_bids
    total_pence = BigInt(default=0)
    state = Varchar(length=10, default="preview", index=True)  # preview | applied | discarded
    reason = Text(default="")
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)
    applied_at = Timestamptz(null=True, default=None)
    applied_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class ReallocationAdjustment(Table, tablename="reallocation_adjustment"):
    """One CCG's change under a scenario: negative recovered, positive received; sums to zero."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    scenario = ForeignKey(references=ReallocationScenario, on_delete=OnDelete.cascade, index=True)
    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.restrict, index=True)
    amount_pence = BigInt()
    reason = Text(default="")


class PracticeAward(Table, tablename="practice_award"):
    """Money a CCG spent on one of its practices, and what it was meant to improve."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    practice = ForeignKey(references=Practice, on_delete=OnDelete.restrict, index=True)
    ccg = ForeignKey(references=Ccg, on_delete=OnDelete.restrict, index=True)
    stream = ForeignKey(references=FundingStream, on_delete=OnDelete.restrict, index=True)
    award_date = Date()
    amount_pence = BigInt()
    purpose = Text(default="")
    upload_ref = Varchar(length=64, default="")  # the bulk upload it came from, if any
    created_at = Timestamptz()
    created_by = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null)


class PracticeAwardIndicator(Table, tablename="practice_award_indicator"):
    """An indicator an award was meant to move."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    award = ForeignKey(references=PracticeAward, on_delete=OnDelete.cascade, index=True)
    indicator = ForeignKey(references=Indicator, on_delete=OnDelete.restrict, index=True)


class IndicatorVersion(Table, tablename="indicator_version"):
    """Each definition an indicator has had, from the date it applied: past periods keep theirs."""

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    code = Varchar(length=40, index=True)
    version = Integer()
    valid_from = Date()
    definition = Text()  # JSON of the catalogue fields
    source = Varchar(length=300, default="")  # file name and SHA-256 of the reviewed file
    loaded_at = Timestamptz()


class SchedulerLease(Table, tablename="scheduler_lease"):
    """Which process runs the scheduler, and its heartbeat: one row per lease name.

    A process schedules only while it holds the lease (its holder id, renewed before expires_at),
    so several processes configured to schedule still run one scheduler between them.
    """

    id: Serial  # the primary key Piccolo adds, declared for the type checker

    name = Varchar(length=60, unique=True)
    holder = Varchar(length=200, default="")  # host:pid of the process holding the lease
    acquired_at = Timestamptz(null=True, default=None)
    beat_at = Timestamptz(null=True, default=None)  # the heartbeat
    expires_at = Timestamptz(null=True, default=None)


# --- Changes -----------------------------------------------------------------------------


class DataChange(Table, tablename="data_change"):
    """When the data that exports show last changed: written only by database triggers (created by
    the migration that made this table) on every table a workbook reads, whichever process writes.

    One row per writer: on PostgreSQL per server process (`pg_backend_pid()`), so that concurrent
    transactions never wait for one another's row; on SQLite one row (slot 0), whose writes queue
    for the file's one write lock anyway. `changed` only ever grows (nanoseconds since 1970 at the
    change, or one more than before), so the set of rows read before a change commits is never
    seen again afterwards: see tracker/changes/service.py.
    """

    # No serial id: nothing but triggers insert rows, and a sequence would only be in their way.
    slot = BigInt(primary_key=True)
    changed = BigInt()


TABLES: tuple[type[Table], ...] = (
    Region,
    LocalOffice,
    Ccg,
    Practice,
    OdsEdition,
    PracticeMembership,
    CcgRegion,
    PracticeRegion,
    ListSize,
    ListSizeBand,
    FeedValue,
    Indicator,
    Period,
    Account,
    AccountPractice,
    AccountToken,
    ApiToken,
    KeyValue,
    AuditEvent,
    PracticeReturn,
    ReturnValue,
    LockException,
    JobClaim,
    OutboxAttachment,
    OutboxEmail,
    ReportOptOut,
    PracticeScore,
    IndicatorStat,
    OrgScore,
    FundingStream,
    AllocationRun,
    AllocationLine,
    TransitionApplication,
    CapitalBid,
    FundingForecast,
    ReallocationScenario,
    ReallocationAdjustment,
    PracticeAward,
    PracticeAwardIndicator,
    Schedule,
    JobRun,
    IndicatorVersion,
    SchedulerLease,
    DataChange,
)


# (table, columns): created as unique indexes by the migrations.
UNIQUE_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("list_size", ("practice", "snapshot_date")),
    ("list_size_band", ("practice", "snapshot_date")),
    ("feed_value", ("practice", "period_code", "indicator_code", "source")),
    ("practice_membership", ("practice", "ccg", "start_date")),
    ("ccg_region", ("ccg", "as_at")),
    ("practice_edition_region", ("practice", "as_at")),
    ("ods_edition", ("kind", "as_at")),
    ("account_practice", ("account", "practice")),
    ("practice_return", ("practice", "period")),
    ("return_value", ("practice_return", "indicator")),
    ("lock_exception", ("practice", "period")),
    ("job_claim", ("job", "key")),
    ("practice_score", ("practice", "period")),
    ("indicator_stat", ("indicator", "period", "ccg_id")),
    ("org_score", ("scope", "org_id", "period")),
    ("allocation_line", ("run", "ccg_code")),
    ("practice_award_indicator", ("award", "indicator")),
    ("indicator_version", ("code", "version")),
    ("report_opt_out", ("email", "kind")),
)
