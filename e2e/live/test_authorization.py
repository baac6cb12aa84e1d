"""Who may do what: every role against every operation in docs/openapi.yaml, and
probes with other people's ids.

Run by scripts/fuzz-api.sh against a live `baton serve` holding the demo firm
(BATON_URL), before the browser tests and schemathesis. It leaves the demo data as
the other tests see it: writes are probed with bodies that fail validation, with a
stale If-Match (412 changes nothing), or on records this test creates as the admin
and removes again (see docs/authorization.md).

The expected policy is POLICY below, one line per operation; the test fails on any
cell that differs, on any 5xx, and names the cell. To rewrite the table in the doc:

    BATON_AUTHZ_TABLE=docs/authorization.md python3 e2e/live/test_authorization.py

(no server needed); `test_the_documented_table_is_in_step` fails when it is stale.
"""
import csv
import io
import json
import os
import re
import urllib.parse
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared client, when run as a script
import client  # noqa: E402

BASE = os.environ.get("BATON_URL", "")
ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "docs" / "openapi.yaml"
DOC = ROOT / "docs" / "authorization.md"
PASSWORD = "baton-demo"
NOWHERE = 999999999  # an id no record has

# ---------------------------------------------------------------------------------
# The policy: what each role may do. Read from the route code (Sources/BatonApp/**/
# *Routes.swift, Web/*) and PRODUCT.md. "yes" = allowed (2xx, or a validation-type
# answer 400/409/412/422/428 to the deliberately invalid probe); "no" = refused
# (401/403/404). Each role acts on records in its own scope (see NOTES and the doc).
# ---------------------------------------------------------------------------------
ROLES = ["admin", "manager", "account_manager", "sales", "project_manager", "consultant", "anonymous"]

# One demo person per role; the test checks their roles through the API.
REPRESENTATIVES = {
    "admin": "admin@demo.test",
    "manager": "priya.shah@demo.test",         # head of delivery: above the project managers
    "account_manager": "chloe.martin@demo.test",
    "sales": "dev.patel@demo.test",
    "project_manager": "hiro.tanaka@demo.test",  # manages Maya and Noah in the reporting line
    "consultant": "maya.singh@demo.test",
}

POLICY = """
operation                                                   admin manager account_manager sales project_manager consultant anonymous
POST   /api/v1/sessions                                       yes   yes     yes             yes   yes             yes        yes
DELETE /api/v1/sessions/current                               yes   yes     yes             yes   yes             yes        no
GET    /api/v1/me                                             yes   yes     yes             yes   yes             yes        no
POST   /api/v1/me/calendar-token                              yes   yes     yes             yes   yes             yes        no
GET    /api/v1/tokens                                         yes   yes     yes             yes   yes             yes        no
POST   /api/v1/tokens                                         yes   yes     yes             yes   yes             yes        no
DELETE /api/v1/tokens/{id}                                    yes   yes     yes             yes   yes             yes        no
GET    /api/v1/users                                          yes   yes     yes             yes   yes             yes        no
POST   /api/v1/users                                          yes   no      no              no    no              no         no
GET    /api/v1/users/{id}                                     yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/users/{id}                                     yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/users/{id} (another person)                    yes   no      no              no    no              no         no
PUT    /api/v1/users/{id}/skills                              yes   yes     no              no    yes             no         no
GET    /api/v1/skills                                         yes   yes     yes             yes   yes             yes        no
POST   /api/v1/skills                                         yes   no      no              no    no              no         no
GET    /api/v1/time-off                                       yes   yes     yes             yes   yes             yes        no
POST   /api/v1/time-off                                       yes   yes     yes             yes   yes             yes        no
GET    /api/v1/time-off/{id}                                  yes   yes     no              no    yes             yes        no
POST   /api/v1/time-off/{id}/approve                          yes   yes     no              no    yes             no         no
POST   /api/v1/time-off/{id}/decline                          yes   yes     no              no    yes             no         no
POST   /api/v1/time-off/{id}/cancel                           yes   yes     no              no    yes             yes        no
GET    /api/v1/time-entries                                   yes   yes     yes             yes   yes             yes        no
POST   /api/v1/time-entries                                   yes   yes     yes             yes   yes             yes        no
GET    /api/v1/time-entries/export                            yes   yes     yes             yes   yes             yes        no
POST   /api/v1/time-entries/import                            yes   yes     yes             yes   yes             yes        no
GET    /api/v1/time-entries/{id}                              yes   yes     no              no    yes             yes        no
PATCH  /api/v1/time-entries/{id}                              yes   yes     no              no    yes             yes        no
DELETE /api/v1/time-entries/{id}                              yes   yes     no              no    yes             yes        no
GET    /api/v1/timesheet                                      yes   yes     yes             yes   yes             yes        no
POST   /api/v1/timesheet/submit                               yes   yes     yes             yes   yes             yes        no
POST   /api/v1/timesheet/approve                              yes   yes     no              no    yes             no         no
POST   /api/v1/timesheet/return                               yes   yes     no              no    yes             no         no
POST   /api/v1/timesheet/copy-last-week                       yes   yes     yes             yes   yes             yes        no
GET    /api/v1/cost-rates                                     yes   yes     no              no    no              no         no
POST   /api/v1/cost-rates                                     yes   no      no              no    no              no         no
GET    /api/v1/bill-rates                                     yes   yes     no              no    no              no         no
POST   /api/v1/bill-rates                                     yes   no      no              no    no              no         no
GET    /api/v1/projects/{id}/budget                           yes   yes     yes             yes   yes             yes        no
PUT    /api/v1/projects/{id}/phases/{phaseId}/estimate        yes   no      no              no    yes             no         no
GET    /api/v1/reports/profitability                          yes   yes     no              no    no              no         no
GET    /api/v1/holiday-calendars                              yes   yes     yes             yes   yes             yes        no
POST   /api/v1/holiday-calendars                              yes   no      no              no    no              no         no
GET    /api/v1/holiday-calendars/{id}                         yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/holiday-calendars/{id}                         yes   no      no              no    no              no         no
DELETE /api/v1/holiday-calendars/{id}                         yes   no      no              no    no              no         no
POST   /api/v1/holiday-calendars/{id}/import                  yes   no      no              no    no              no         no
GET    /api/v1/notifications                                  yes   yes     yes             yes   yes             yes        no
GET    /api/v1/notifications/unread-count                     yes   yes     yes             yes   yes             yes        no
POST   /api/v1/notifications/{id}/read                        no    no      no              no    no              no         no
POST   /api/v1/notifications/read-all                         yes   yes     yes             yes   yes             yes        no
GET    /api/v1/notifications/preferences                      yes   yes     yes             yes   yes             yes        no
PUT    /api/v1/notifications/preferences                      yes   yes     yes             yes   yes             yes        no
GET    /api/v1/notifications/deliveries                       yes   no      no              no    no              no         no
POST   /api/v1/proposals/{id}/client-link                     yes   yes     yes             yes   no              no         no
DELETE /api/v1/proposals/{id}/client-link                     yes   yes     yes             yes   no              no         no
GET    /api/v1/proposals/{id}/client-decision                 yes   yes     yes             yes   yes             no         no
GET    /proposal-link/{token}                                 no    no      no              no    no              no         no
POST   /proposal-link/{token}                                 no    no      no              no    no              no         no
GET    /api/v1/users/{id}/working-calendar                    yes   yes     yes             yes   yes             yes        no
PUT    /api/v1/users/{id}/working-calendar                    yes   no      no              no    no              no         no
GET    /api/v1/sites                                          yes   yes     yes             yes   yes             yes        no
POST   /api/v1/sites                                          yes   yes     no              no    no              no         no
GET    /api/v1/sites/{id}                                     yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/sites/{id}                                     yes   yes     no              no    no              no         no
DELETE /api/v1/sites/{id}                                     yes   yes     no              no    no              no         no
GET    /api/v1/travel-times                                   yes   yes     yes             yes   yes             yes        no
PUT    /api/v1/travel-times                                   yes   yes     no              no    no              no         no
POST   /api/v1/sites/import                                   yes   yes     yes             no    no              no         no
POST   /api/v1/travel-times/import                            yes   yes     no              no    no              no         no
PUT    /api/v1/projects/{id}/site                             yes   yes     no              no    yes             no         no
PUT    /api/v1/projects/{id}/assignments/{assignmentId}/site  yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/assignments/{assignmentId}/move-days yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/assignments/{assignmentId}/move-days/undo yes   yes     no              no    yes             no         no
PUT    /api/v1/users/{id}/home-base                           yes   yes     yes             yes   yes             yes        no
GET    /api/v1/users/{id}/day-plans                           yes   yes     yes             yes   yes             yes        no
GET    /api/v1/settings                                       yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/settings                                       yes   no      no              no    no              no         no
GET    /api/v1/search                                         yes   yes     yes             yes   yes             yes        no
GET    /api/v1/list-views                                     yes   yes     yes             yes   yes             yes        no
POST   /api/v1/list-views                                     yes   yes     yes             yes   yes             no         no
DELETE /api/v1/list-views/{id}                                yes   yes     yes             yes   yes             yes        no
GET    /api/v1/list-views/{id}/export                         yes   yes     yes             yes   yes             yes        no
GET    /api/v1/accounts                                       yes   yes     yes             yes   yes             no         no
POST   /api/v1/accounts                                       yes   yes     yes             yes   no              no         no
GET    /api/v1/accounts/{id}                                  yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/accounts/{id}                                  yes   no      yes             no    no              no         no
DELETE /api/v1/accounts/{id}                                  yes   no      yes             no    no              no         no
POST   /api/v1/accounts/{id}/restore                          yes   no      yes             no    no              no         no
GET    /api/v1/accounts/{id}/timeline                         yes   yes     yes             yes   yes             no         no
GET    /api/v1/accounts/{id}/white-space                      yes   yes     yes             yes   yes             no         no
GET    /api/v1/contacts                                       yes   yes     yes             yes   yes             no         no
POST   /api/v1/contacts                                       yes   yes     yes             yes   no              no         no
GET    /api/v1/contacts/{id}                                  yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/contacts/{id}                                  yes   yes     yes             yes   no              no         no
DELETE /api/v1/contacts/{id}                                  yes   yes     yes             yes   no              no         no
GET    /api/v1/activities                                     yes   yes     yes             yes   yes             no         no
POST   /api/v1/activities                                     yes   yes     yes             yes   yes             no         no
GET    /api/v1/activities/{id}                                yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/activities/{id}                                yes   no      yes             no    no              no         no
DELETE /api/v1/activities/{id}                                yes   no      yes             no    no              no         no
GET    /api/v1/pipeline-stages                                yes   yes     yes             yes   yes             no         no
POST   /api/v1/pipeline-stages                                yes   no      no              no    no              no         no
GET    /api/v1/pipeline-stages/{key}                          yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/pipeline-stages/{key}                          yes   no      no              no    no              no         no
DELETE /api/v1/pipeline-stages/{key}                          yes   no      no              no    no              no         no
GET    /api/v1/opportunities                                  yes   yes     yes             yes   yes             no         no
POST   /api/v1/opportunities                                  yes   yes     yes             yes   no              no         no
GET    /api/v1/opportunities/{id}                             yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/opportunities/{id}                             yes   yes     yes             yes   no              no         no
DELETE /api/v1/opportunities/{id}                             yes   no      yes             no    no              no         no
POST   /api/v1/opportunities/{id}/restore                     yes   no      yes             no    no              no         no
GET    /api/v1/opportunities/{id}/history                     yes   yes     yes             yes   yes             no         no
GET    /api/v1/typical-projects                               yes   yes     yes             yes   yes             no         no
POST   /api/v1/typical-projects                               yes   no      no              no    no              no         no
GET    /api/v1/typical-projects/{id}                          yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/typical-projects/{id}                          yes   no      no              no    no              no         no
GET    /api/v1/opportunities/{id}/proposals                   yes   yes     yes             yes   yes             no         no
POST   /api/v1/opportunities/{id}/proposals                   yes   yes     yes             yes   no              no         no
GET    /api/v1/proposals/{id}                                 yes   yes     yes             yes   yes             no         no
PATCH  /api/v1/proposals/{id}                                 yes   yes     yes             yes   no              no         no
POST   /api/v1/proposals/{id}/submit                          yes   yes     yes             yes   no              no         no
POST   /api/v1/proposals/{id}/approve                         yes   no      no              no    yes             no         no
POST   /api/v1/proposals/{id}/return                          yes   no      no              no    yes             no         no
POST   /api/v1/proposals/{id}/send                            yes   yes     yes             yes   no              no         no
POST   /api/v1/proposals/{id}/accept                          yes   yes     yes             yes   no              no         no
POST   /api/v1/proposals/{id}/decline                         yes   yes     yes             yes   no              no         no
GET    /api/v1/proposals/{id}/capacity-check                  yes   yes     yes             yes   yes             no         no
GET    /api/v1/agreements                                     yes   yes     yes             yes   yes             no         no
GET    /api/v1/agreements/{id}                                yes   yes     yes             yes   yes             no         no
POST   /api/v1/agreements/{id}/cancel                         yes   yes     yes             yes   no              no         no
POST   /api/v1/agreements/{id}/downgrade                      yes   yes     yes             yes   no              no         no
POST   /api/v1/agreements/import                              yes   yes     yes             no    no              no         no
GET    /api/v1/projects                                       yes   yes     yes             yes   yes             yes        no
GET    /api/v1/projects/{id}                                  yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/projects/{id}                                  yes   yes     no              no    yes             no         no
GET    /api/v1/projects/{id}/staffing-suggestions             yes   yes     no              no    yes             no         no
GET    /api/v1/projects/{id}/assignments                      yes   yes     yes             yes   yes             yes        no
POST   /api/v1/projects/{id}/assignments                      yes   yes     no              no    yes             no         no
GET    /api/v1/projects/{id}/assignments/{assignmentId}       yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/projects/{id}/assignments/{assignmentId}       yes   yes     no              no    yes             no         no
DELETE /api/v1/projects/{id}/assignments/{assignmentId}       yes   yes     no              no    yes             no         no
PATCH  /api/v1/projects/{id}/phases/{phaseId}                 yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/phases/{phaseId}/complete        yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/phases/{phaseId}/reopen          yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/hold                             yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/resume                           yes   yes     no              no    yes             no         no
PUT    /api/v1/projects/{id}/checklist/{itemId}               yes   yes     no              no    yes             no         no
POST   /api/v1/projects/{id}/status-link                      yes   yes     no              no    yes             no         no
DELETE /api/v1/projects/{id}/status-link                      yes   yes     no              no    yes             no         no
GET    /api/v1/users/{id}/assignments                         yes   yes     yes             yes   yes             yes        no
GET    /api/v1/periods                                        yes   yes     yes             yes   yes             yes        no
POST   /api/v1/periods                                        yes   no      no              no    no              no         no
GET    /api/v1/quotas                                         yes   yes     yes             yes   yes             yes        no
POST   /api/v1/quotas                                         yes   yes     no              no    yes             no         no
GET    /api/v1/quotas/{id}                                    yes   yes     yes             yes   yes             yes        no
PATCH  /api/v1/quotas/{id}                                    yes   yes     no              no    yes             no         no
DELETE /api/v1/quotas/{id}                                    yes   yes     no              no    yes             no         no
GET    /api/v1/bonus-plans                                    yes   yes     no              no    yes             no         no
POST   /api/v1/bonus-plans                                    yes   no      no              no    no              no         no
GET    /api/v1/bonus-plans/{id}                               yes   yes     no              no    yes             no         no
PATCH  /api/v1/bonus-plans/{id}                               yes   no      no              no    no              no         no
GET    /api/v1/bonus-plans/{id}/members                       yes   yes     no              no    yes             no         no
POST   /api/v1/bonus-plans/{id}/members                       yes   no      no              no    no              no         no
DELETE /api/v1/bonus-plans/{id}/members/{memberId}            yes   no      no              no    no              no         no
GET    /api/v1/bonus-runs                                     yes   yes     no              no    yes             no         no
POST   /api/v1/bonus-runs                                     yes   yes     no              no    no              no         no
GET    /api/v1/bonus-runs/{id}                                yes   yes     no              no    yes             no         no
POST   /api/v1/bonus-runs/{id}/recompute                      yes   yes     no              no    no              no         no
POST   /api/v1/bonus-runs/{id}/approve                        yes   yes     no              no    no              no         no
GET    /api/v1/bonus-runs/{id}/statements/{userId}            yes   yes     no              no    yes             no         no
POST   /api/v1/bonus-runs/{id}/statements/{userId}/approve    yes   yes     no              no    no              no         no
GET    /api/v1/bonus-runs/{id}/statements.csv                 yes   yes     no              no    no              no         no
POST   /api/v1/bonus-runs/{id}/adjustments                    yes   yes     no              no    no              no         no
POST   /api/v1/bonus-runs/what-if                             yes   yes     no              no    yes             no         no
GET    /api/v1/reports/attainment                             yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/forecast                               yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/pipeline                               yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/sales-performance                      yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/delivery                               yes   yes     no              no    yes             no         no
GET    /api/v1/reports/growth                                 yes   yes     no              no    yes             no         no
GET    /api/v1/reports/recurring-revenue                      yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/retention                              yes   yes     yes             yes   yes             no         no
GET    /api/v1/reports/renewals-due                           yes   yes     yes             yes   yes             no         no
POST   /api/v1/imports/{kind}                                 yes   yes     yes             no    no              no         no
GET    /api/v1/exports/{kind}.csv                             yes   yes     yes             yes   yes             no         no
GET    /status/{token}                                        yes   yes     yes             yes   yes             yes        yes
POST   /status/{token}                                        no    no      no              no    no              no         no
GET    /status-subscription/{token}/confirm                   yes   yes     yes             yes   yes             yes        yes
POST   /status-subscription/{token}/confirm                   no    no      no              no    no              no         no
GET    /status-subscription/{token}/unsubscribe               yes   yes     yes             yes   yes             yes        yes
POST   /status-subscription/{token}/unsubscribe               no    no      no              no    no              no         no
GET    /calendar/{token}.ics                                  yes   yes     yes             yes   yes             yes        yes
GET    /proposals/{id}/print                                  yes   yes     yes             yes   yes             no         no
GET    /static/{file}                                         yes   yes     yes             yes   yes             yes        yes
GET    /healthz                                               yes   yes     yes             yes   yes             yes        yes
GET    /readyz                                                yes   yes     yes             yes   yes             yes        yes
GET    /metrics                                               yes   yes     yes             yes   yes             yes        yes
GET    /openapi.yaml                                          yes   yes     yes             yes   yes             yes        yes
"""

# What each probe does and which record it names, for the doc (one line each).
NOTES = {
    "POST /api/v1/sessions": "sign-in with an empty email and password: 422 for everyone (never a real failed attempt, which would count towards the throttle)",
    "DELETE /api/v1/sessions/current": "signs out a throwaway session of the caller's own; that token then gets 401",
    "POST /api/v1/me/calendar-token": "the caller's own feed token (the representatives' links are not used by other tests)",
    "POST /api/v1/tokens": "`{}`: 422",
    "DELETE /api/v1/tokens/{id}": "a token the caller made for this probe (someone else's token: 404, in the scope probes)",
    "GET /api/v1/users/{id}": "the caller's own record (others: reporting line, in the scope probes)",
    "PATCH /api/v1/users/{id}": "the caller's own record, `{}` with a stale If-Match: 412; non-admins change only their name, home location and password",
    "PATCH /api/v1/users/{id} (another person)": "someone in the caller's reporting line (or, with nobody below, someone else): 403 if visible, 404 if not",
    "PUT /api/v1/users/{id}/skills": "a person below the caller in the reporting line (themselves if nobody): admin or a line manager, whatever their role; the body is the person's current skills, so nothing changes",
    "POST /api/v1/users": "`{}`: 422 for the admin",
    "POST /api/v1/skills": "`{}`: 422 for the admin",
    "POST /api/v1/time-off": "`{}`: 422 for everyone (people ask for their own time off)",
    "POST /api/v1/time-entries": "`{}`: 422 for everyone (people record their own time)",
    "GET /api/v1/time-entries/{id}": "an hour of training the admin records for the consultant (2031): she, the managers above her and admins see it; 404 for others",
    "PATCH /api/v1/time-entries/{id}": "that entry, stale If-Match: 412 for her, the managers above her and admins; 404 for others",
    "DELETE /api/v1/time-entries/{id}": "as PATCH",
    "GET /api/v1/timesheet": "the caller's own week of 2031-01-06",
    "POST /api/v1/timesheet/submit": "`{}`: 422 for everyone (people submit their own week)",
    "POST /api/v1/timesheet/approve": "the consultant's week of 2031-01-06, nothing submitted: 409 for the managers above her and admins; 403 for herself, 404 for others",
    "POST /api/v1/timesheet/return": "as approve, with a comment",
    "POST /api/v1/timesheet/copy-last-week": "`{}`: 422 for everyone",
    "GET /api/v1/cost-rates": "rates are seen by managers and admins only (row-level security hides them too)",
    "POST /api/v1/cost-rates": "`{}`: 422 for the admin; only admins set rates",
    "GET /api/v1/bill-rates": "as cost rates",
    "GET /api/v1/time-entries/export": "the entries in the caller's scope",
    "POST /api/v1/time-entries/import": "`{}` is not the columns: 422 for everyone (each row is judged as its own POST)",
    "GET /api/v1/reports/profitability": "cost and margin: managers and admins only",
    "POST /api/v1/bill-rates": "`{}`: 422 for the admin",
    "GET /api/v1/projects/{id}/budget": "a project the caller sees; cost and margin only for its manager, managers and admins (null for others)",
    "PUT /api/v1/projects/{id}/phases/{phaseId}/estimate": "an open phase of a project the caller sees, estimate -1: 422 for its project manager and admins; 403 for others who see it",
    "GET /api/v1/agreements/{id}": "an agreement on the test's account (its recurring proposal accepted by the admin): whoever sees the account",
    "POST /api/v1/agreements/{id}/cancel": "that agreement, stale If-Match: 412 for pipeline writers who see it and admins; 403 for the project manager",
    "POST /api/v1/agreements/{id}/downgrade": "that agreement, stale If-Match: 412 for pipeline writers who see it and admins; 403 for the project manager",
    "POST /api/v1/agreements/import": "`{}` is not the columns: 422 for importers (admins, managers, account managers); 403 for the others",
    "GET /api/v1/time-off/{id}": "a request the admin makes for the consultant (2031): she, the managers above her and admins see it; 404 for others",
    "POST /api/v1/time-off/{id}/approve": "the consultant's request, stale If-Match: 412 for the managers above her and admins; 403 for herself, 404 for others",
    "POST /api/v1/time-off/{id}/decline": "as approve",
    "POST /api/v1/time-off/{id}/cancel": "the consultant's request, stale If-Match: 412 for her, the managers above her and admins; 404 for others",
    "POST /api/v1/holiday-calendars": "`{}`: 422 for the admin",
    "GET /api/v1/holiday-calendars/{id}": "the demo's United States calendar: everyone reads it",
    "PATCH /api/v1/holiday-calendars/{id}": "the demo's calendar, `{}` with a stale If-Match: 412 for the admin",
    "DELETE /api/v1/holiday-calendars/{id}": "the demo's calendar, stale If-Match: 412 for the admin, nothing deleted",
    "POST /api/v1/holiday-calendars/{id}/import": "an empty file: 422 for the admin, nothing imported",
    "POST /api/v1/notifications/{id}/read": "a notification nobody has: 404 for everyone; another person's is 404 too (NotificationTests), admins included",
    "POST /api/v1/notifications/read-all": "marks only the caller's own",
    "PUT /api/v1/notifications/preferences": "an unknown kind: 422 for everyone, nothing changed",
    "POST /api/v1/proposals/{id}/client-link": "the test's draft: 409 (only a sent proposal gets a link) for the selling side and admins; 403 for the reviewer, 404 for others",
    "DELETE /api/v1/proposals/{id}/client-link": "the test's draft, which has no link: 200 revoking none for the selling side and admins",
    "GET /api/v1/proposals/{id}/client-decision": "the test's draft: null for everyone who sees it",
    "GET /proposal-link/{token}": "a token nobody has: 404 for everyone; the token is the credential (NotificationClientLinkTests open and decide through a live one)",
    "POST /proposal-link/{token}": "as GET: a token nobody has, 404",
    "GET /api/v1/users/{id}/working-calendar": "the caller's own (others: reporting line, as for the person)",
    "PUT /api/v1/users/{id}/working-calendar": "the caller's own, `{}` with a stale If-Match: 412 for the admin; only admins set working weeks",
    "POST /api/v1/sites": "`{}` (a firm place with no name): 422 for admins and managers, who keep the firm's own places; an account's sites are kept by its pipeline writers",
    "GET /api/v1/sites/{id}": "a firm place the admin makes for this test: everyone sees the firm's places",
    "PATCH /api/v1/sites/{id}": "the test's firm place, `{}` with a stale If-Match: 412",
    "DELETE /api/v1/sites/{id}": "the test's firm place, stale If-Match: 412, nothing archived",
    "PUT /api/v1/travel-times": "`{}`: 422 for admins and managers, who keep the table",
    "POST /api/v1/sites/import": "`?dryRun=true` with an empty file (no columns): 422 for importers (admins, managers, account managers), nothing stored; 403 for the others",
    "POST /api/v1/travel-times/import": "`?dryRun=true` with an empty file (no columns): 422 for admins and managers, who keep the table; 403 for the others",
    "PUT /api/v1/projects/{id}/site": "the caller's project, a site nobody has: 422 for those who run the project",
    "PUT /api/v1/projects/{id}/assignments/{assignmentId}/site": "an assignment of the caller's project, a site nobody has: 422",
    "POST /api/v1/projects/{id}/assignments/{assignmentId}/move-days": "an assignment of the caller's project, one day a day later, stale If-Match: 412, nothing moved",
    "POST /api/v1/projects/{id}/assignments/{assignmentId}/move-days/undo": "an assignment of the caller's project, an undo at a version it never had: 412, nothing changed",
    "PUT /api/v1/users/{id}/home-base": "the caller's own, a site nobody has: 422",
    "GET /api/v1/users/{id}/day-plans": "the caller's own (others: reporting line, as for the person)",
    "GET /api/v1/list-views": "the caller's own saved views; nobody reads another's",
    "POST /api/v1/list-views": "a deals view with an empty name: 422 for those who read the pipeline, 403 for the consultant (no deals list)",
    "DELETE /api/v1/list-views/{id}": "a projects view the role saves for the probe: its own, deleted (another's is 404, ListViewTests)",
    "GET /api/v1/list-views/{id}/export": "a projects view the role saves for the probe, as CSV (rows in the caller's scope), then deleted",
    "GET /api/v1/settings": "everyone signed in reads the firm's settings (the pages' time zone, the travel rules)",
    "PATCH /api/v1/settings": "`{}` with a stale If-Match: 412 for the admin, nothing changed; only admins change the settings",
    "POST /api/v1/accounts": "`{}`: 422 for the pipeline's writers (admin, manager, account manager, sales)",
    "GET /api/v1/accounts/{id}": "an account this test creates, owned by the account manager, with sales and the project manager on its opportunity's team",
    "PATCH /api/v1/accounts/{id}": "`{}` with a stale If-Match: 412 for the owner (the account manager) and admins; everyone else who sees it (sales and the project manager through the deal's team, the manager above the project manager) gets 403",
    "DELETE /api/v1/accounts/{id}": "stale If-Match: 412 for the owner and admins, nothing archived; 403 for others who see it",
    "POST /api/v1/accounts/{id}/restore": "stale If-Match: 412 for the owner and admins; 403 for others who see it",
    "POST /api/v1/contacts": "`{}`: 422 for writers",
    "POST /api/v1/activities": "`{}`: 422 for every pipeline reader (project managers log activities too)",
    "PATCH /api/v1/activities/{id}": "the test's activity, the account manager's: stale If-Match: 412 for its owner and admins, 403 for everyone else who sees it",
    "DELETE /api/v1/activities/{id}": "stale If-Match: 412 for its owner and admins, 403 for everyone else who sees it",
    "POST /api/v1/pipeline-stages": "`{}`: 422 for the admin",
    "GET /api/v1/pipeline-stages/{key}": "`prospecting`",
    "PATCH /api/v1/pipeline-stages/{key}": "`prospecting`, stale If-Match",
    "DELETE /api/v1/pipeline-stages/{key}": "`prospecting`, stale If-Match",
    "POST /api/v1/opportunities": "`{}`: 422 for writers",
    "GET /api/v1/opportunities/{id}": "the test's opportunity on the test's account",
    "PATCH /api/v1/opportunities/{id}": "`{}`, stale If-Match: 412 for the owner, the team (sales; the manager above the project manager on it) and admins",
    "DELETE /api/v1/opportunities/{id}": "stale If-Match: 412 for the owner and admins; 403 for the team and others who see it",
    "POST /api/v1/opportunities/{id}/restore": "stale If-Match: 412 for the owner and admins; 403 for the team and others who see it",
    "POST /api/v1/typical-projects": "`{}`: 422 for the admin",
    "PATCH /api/v1/typical-projects/{id}": "stale If-Match",
    "POST /api/v1/opportunities/{id}/proposals": "a reviewer who is no project manager: 422 for writers (nothing superseded)",
    "GET /api/v1/proposals/{id}": "a draft on the test's opportunity, reviewer: the project manager; a consultant does not see it (404)",
    "PATCH /api/v1/proposals/{id}": "stale If-Match: 412 for writers",
    "POST /api/v1/proposals/{id}/submit": "a draft without a reviewer: 422 for the selling side",
    "POST /api/v1/proposals/{id}/approve": "a fresh proposal in review for each role: only its reviewer (the project manager) or an admin",
    "POST /api/v1/proposals/{id}/return": "in review, without the required comment: 422 for the reviewer and the admin",
    "POST /api/v1/proposals/{id}/send": "a fresh approved proposal for each role: the selling side",
    "POST /api/v1/proposals/{id}/accept": "sent, accepted on a future date: 422 for the selling side (no handoff, no project)",
    "POST /api/v1/proposals/{id}/decline": "a fresh sent proposal for each role: the selling side",
    "GET /api/v1/projects/{id}": "a project in the caller's scope: the project manager's own, the account manager's client's, the consultant's assignment",
    "GET /api/v1/projects/{id}/staffing-suggestions": "those who may staff the project: its project manager, the managers above them, admins (as on the project page)",
    "POST /api/v1/projects/{id}/assignments": "a person who does not exist: 422 once past the manager check",
    "PATCH /api/v1/projects/{id}/assignments/{assignmentId}": "an assignment this test makes (2031, 1 h a week), stale If-Match",
    "DELETE /api/v1/projects/{id}/assignments/{assignmentId}": "the test's assignment, stale If-Match",
    "PATCH /api/v1/projects/{id}": "the project's header at a stale If-Match: 412 once past the manager check",
    "PATCH /api/v1/projects/{id}/phases/{phaseId}": "moved to 1800: 422",
    "POST /api/v1/projects/{id}/phases/{phaseId}/complete": "completed on a future date: 422",
    "POST /api/v1/projects/{id}/phases/{phaseId}/reopen": "a phase still open: 409",
    "POST /api/v1/projects/{id}/hold": "held for real, and resumed at once by the admin",
    "POST /api/v1/projects/{id}/resume": "a project not on hold: 409",
    "PUT /api/v1/projects/{id}/checklist/{itemId}": "an unchecked item set to unchecked (nothing changes)",
    "POST /api/v1/projects/{id}/status-link": "creates a link on a project without the demo's link; revoked again",
    "DELETE /api/v1/projects/{id}/status-link": "revokes only this test's links",
    "GET /api/v1/users/{id}/assignments": "the caller's own (others: reporting line, in the scope probes)",
    "POST /api/v1/periods": "`{}`: 422 for the admin",
    "POST /api/v1/quotas": "for a person below the caller (themselves if nobody), in a period key that does not parse: 422 once past the check; a line manager sets quotas, whatever their role",
    "GET /api/v1/quotas/{id}": "as PATCH: a quota in the caller's reporting line (the consultant's, or the caller's own); others' quotas: 404, in the scope probes",
    "PATCH /api/v1/quotas/{id}": "a quota this test gives a consultant (or the caller's own), stale If-Match; one's own quota: 403",
    "DELETE /api/v1/quotas/{id}": "as PATCH, stale If-Match",
    "POST /api/v1/bonus-plans": "`{}`: 422 for the admin",
    "PATCH /api/v1/bonus-plans/{id}": "stale If-Match",
    "GET /api/v1/bonus-runs": "the runs; which statements each may see is a scope probe",
    "POST /api/v1/bonus-runs": "`{}`: 422 for admins and managers",
    "POST /api/v1/bonus-runs/{id}/recompute": "an approved (locked) run: 409 for admins and managers",
    "POST /api/v1/bonus-runs/{id}/approve": "refused roles try the open (draft) run: 403; admin and manager get 409 on a locked run (the status is judged before the person, so these two cells are weak evidence; the browser test locks a run as the manager)",
    "GET /api/v1/bonus-runs/{id}/statements/{userId}": "the project manager's own statement: himself, the managers above him, admins",
    "POST /api/v1/bonus-runs/{id}/adjustments": "on a locked run, an amount too large to store: 422 (or 409 locked) once past the adjuster check",
    "GET /api/v1/bonus-plans/{id}/members": "the demo plan's members",
    "POST /api/v1/bonus-plans/{id}/members": "`{}`: 422 for the admin",
    "DELETE /api/v1/bonus-plans/{id}/members/{memberId}": "a membership the test adds (a consultant in 2031) for the admin; refused roles try the demo plan's own",
    "POST /api/v1/bonus-runs/{id}/statements/{userId}/approve": "the project manager's statement in a locked run: 409 for admins and managers; refused roles try the open run: 403",
    "POST /api/v1/bonus-runs/what-if": "the project manager's bonus: himself, the managers above him, admins",
    "GET /api/v1/reports/delivery": "firm-wide utilization: admins, managers, project managers",
    "GET /api/v1/reports/growth": "firm-wide advice: admins, managers, project managers",
    "GET /api/v1/reports/recurring-revenue": "the agreements of the accounts one sees: whoever sees the pipeline",
    "GET /api/v1/reports/retention": "the agreements of the accounts one sees: whoever sees the pipeline",
    "GET /api/v1/reports/renewals-due": "the agreements of the accounts one sees: whoever sees the pipeline",
    "POST /api/v1/imports/{kind}": "`accounts?dryRun=true` with an empty file: stores nothing",
    "GET /status/{token}": "a live client link (made by this test): the token is the credential",
    "POST /status/{token}": "a token nobody has: 404 for everyone (NotificationStatusSubscriptionTests subscribe through a live one)",
    "GET /status-subscription/{token}/confirm": "only a page with a button: 200 for everyone, nothing changes",
    "POST /status-subscription/{token}/confirm": "a token nobody has: 404 for everyone",
    "GET /status-subscription/{token}/unsubscribe": "only a page with a button: 200 for everyone, nothing changes",
    "POST /status-subscription/{token}/unsubscribe": "a token nobody has: 404 for everyone",
    "GET /calendar/{token}.ics": "the admin's feed: the token is the credential",
    "GET /proposals/{id}/print": "the printable proposal of the test's draft",
}

# Cells the server gets wrong today. The test keeps asserting POLICY for them (it fails
# until they are fixed); this only adds the diagnosis to the failure message.
KNOWN_BUGS = {}

# Fixed since (kept as a record of what this test found): the staffing suggestions
# answered anyone who could see the project with the firm-wide ranking of people;
# bonus adjustments and approvals judged the request before the caller's role.


def known(key, role):
    return f"\n      {KNOWN_BUGS[(key, role)]}" if (key, role) in KNOWN_BUGS else ""


METHODS = ("get", "post", "put", "patch", "delete")


def parse_policy(text=POLICY):
    rows = {}
    lines = [line for line in text.strip().splitlines() if line.strip()]
    header = lines[0].split()[1:]
    assert header == ROLES, header
    for line in lines[1:]:
        tokens = line.split()
        cells = tokens[-len(ROLES):]
        assert all(c in ("yes", "no") for c in cells), line
        key = tokens[0] + " " + " ".join(tokens[1:-len(ROLES)])
        assert key not in rows, f"{key} is listed twice"
        rows[key] = dict(zip(ROLES, (c == "yes" for c in cells)))
    return rows


POLICY_ROWS = parse_policy()


def openapi_operations():
    document = yaml.load(OPENAPI.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [f"{m.upper()} {path}" for path, item in document["paths"].items() for m in item if m in METHODS]


def base_key(key):
    return key.split(" (")[0]


# ---------------------------------------------------------------------------------
# The markdown table (docs/authorization.md keeps it between two markers).
# ---------------------------------------------------------------------------------
TABLE_START = "<!-- authorization table: generated by e2e/live/test_authorization.py, do not edit by hand -->"
TABLE_END = "<!-- end of the authorization table -->"
TITLES = {"admin": "admin", "manager": "manager", "account_manager": "account manager", "sales": "sales",
          "project_manager": "project manager", "consultant": "consultant", "anonymous": "signed out"}


def markdown_table():
    policy = parse_policy()
    lines = ["| operation | " + " | ".join(TITLES[r] for r in ROLES) + " | what the probe does |",
             "| --- | " + " | ".join(":-:" for _ in ROLES) + " | --- |"]
    for key, cells in policy.items():
        method, rest = key.split(" ", 1)
        op = f"`{method} {rest.split(' (')[0]}`" + (f" ({rest.split(' (', 1)[1]}" if " (" in rest else "")
        marks = " | ".join("yes" if cells[r] else "—" for r in ROLES)
        lines.append(f"| {op} | {marks} | {NOTES.get(key, '').replace('|', '/')} |")
    return "\n".join([TABLE_START, ""] + lines + ["", TABLE_END])


def write_table(path):
    path = Path(path)
    if not path.is_absolute():
        path = ROOT / path
    table = markdown_table()
    text = path.read_text() if path.exists() else ""
    if TABLE_START in text and TABLE_END in text:
        before, rest = text.split(TABLE_START, 1)
        after = rest.split(TABLE_END, 1)[1]
        text = before + table + after
    else:
        text = text + ("\n" if text and not text.endswith("\n") else "") + table + "\n"
    path.write_text(text)


# ---------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------
_ABSENT = client.ABSENT
STALE = {"If-Match": '"0"'}  # no record is ever at version 0: 412, nothing changes


@dataclass
class Answer:
    status: int
    headers: dict
    data: bytes

    def json(self):
        return json.loads(self.data or b"null")


def http(method, path, body=_ABSENT, token=None, headers=None, cookie=None, raw=None, content_type=None):
    """One request through the shared client; redirects are answers, not followed."""
    reply = client.request(BASE, method, path, body, token=token, headers=headers, cookie=cookie, raw=raw,
                           content_type=content_type, timeout=60)
    return Answer(reply.status, reply.headers, reply.body)


def ok(answer, what):
    assert 200 <= answer.status < 300, f"{what}: {answer.status} {answer.data[:300]!r}"
    return answer.json() if answer.data else None


def sign_in(email):
    return ok(http("POST", "/api/v1/sessions", {"email": email, "password": PASSWORD}), f"sign in as {email}")["token"]


def every(path, token):
    """All items of a cursor-paged list."""
    items, cursor = [], None
    while True:
        joiner = "&" if "?" in path else "?"
        after = f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""
        page = ok(http("GET", path + joiner + "limit=500" + after, token=token), path)
        items += page["items"]
        cursor = page.get("nextCursor")
        if not cursor:
            return items


ALLOWED = {400, 409, 412, 422, 428}
REFUSED = {401, 403, 404}


def verdict(status):
    if 200 <= status < 300 or status in ALLOWED:
        return True
    if status in REFUSED:
        return False
    return None  # anything else (5xx, 405, 415, 429 …) is a failure of its own


# ---------------------------------------------------------------------------------
# The demo firm as the admin sees it, and who may see what (the scope model).
# ---------------------------------------------------------------------------------
class World:
    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        self.tokens = {}
        self.cleanup_steps = []  # paths to DELETE as the admin at the end, in this order
        self.made_links_on = set()
        self.signed_out = []
        self.shared = {}

    # -- people and tokens --
    def token(self, email):
        if email not in self.tokens:
            self.tokens[email] = sign_in(email)
        return self.tokens[email]

    def rep(self, role):
        return self.users_by_email[REPRESENTATIVES[role]]["id"]

    def rep_token(self, role):
        return None if role == "anonymous" else self.token(REPRESENTATIVES[role])

    def admin(self, method, path, body=_ABSENT, headers=None):
        return http(method, path, body, token=self.admin_token, headers=headers)

    # -- the model --
    def line(self, uid):
        below, frontier = {uid}, [uid]
        while frontier:
            boss = frontier.pop()
            for u in self.users.values():
                if u.get("managerId") == boss and u["id"] not in below:
                    below.add(u["id"])
                    frontier.append(u["id"])
        return below

    def is_admin(self, uid):
        return "admin" in self.users[uid]["roles"]

    def reader(self, uid):
        return bool(set(self.users[uid]["roles"]) & {"admin", "manager", "account_manager", "sales", "project_manager"})

    def visible_accounts(self, uid):
        if self.is_admin(uid):
            return set(self.accounts)
        line = self.line(uid)
        seen = {a["id"] for a in self.accounts.values() if a.get("ownerId") in line}
        seen |= {o["accountId"] for o in self.opportunities.values() if any(t["userId"] in line for t in o["team"])}
        seen |= {p["accountId"] for p in self.projects.values() if p.get("projectManagerId") in line}
        return seen

    def visible(self, uid, kind):
        """Ids of `kind` that `uid` may see, by the rules in docs/authorization.md."""
        accounts = self.visible_accounts(uid)
        if kind == "accounts":
            return accounts
        if kind in ("contacts", "opportunities", "activities"):
            return {i for i, r in getattr(self, kind).items() if r["accountId"] in accounts}
        if kind == "proposals":
            return {i for i, p in self.proposals.items()
                    if self.opportunities[p["opportunityId"]]["accountId"] in accounts
                    or p.get("authorId") == uid or p.get("reviewerId") == uid}
        if kind == "projects":
            return {i for i, p in self.projects.items()
                    if p["accountId"] in accounts or p.get("projectManagerId") == uid
                    or any(a["userId"] == uid for a in p["assignments"])}
        if kind == "users":
            return set(self.users) if self.is_admin(uid) else self.line(uid)
        if kind == "quotas":
            return {i for i, q in self.quotas.items() if q["userId"] in self.visible(uid, "users")}
        raise KeyError(kind)

    def sees_statement(self, uid, person):
        return self.is_admin(uid) or person in self.line(uid)

    # -- building it --
    def build(self):
        if not BASE:
            pytest.fail("BATON_URL is not set: run through scripts/fuzz-api.sh or point it at a `baton serve` with the demo firm")
        self.admin_token = self.token(REPRESENTATIVES["admin"])
        self.load_people()
        self.make_fixtures()
        self.load_business()
        self.choose_targets()

    def load_people(self):
        self.users = {u["id"]: u for u in every("/api/v1/users", self.admin_token)}
        self.users_by_email = {u["email"]: u for u in self.users.values()}
        for role, email in REPRESENTATIVES.items():
            person = self.users_by_email.get(email)
            assert person, f"the demo has no {email}"
            assert person["roles"] == [role], f"{email} should have exactly the role {role}, has {person['roles']}"
        self.demo_people = sorted(u["id"] for u in self.users.values() if u["email"].endswith("@demo.test") and u["active"])

    def make_fixtures(self):
        am, sales, pm, consultant = (self.rep(r) for r in ("account_manager", "sales", "project_manager", "consultant"))
        w = self

        def made(answer, what):
            return ok(answer, f"creating the test's {what}")

        self.account = made(self.admin("POST", "/api/v1/accounts", {
            "name": f"Authorization probe {self.tag}", "ownerId": am, "status": "prospect"}), "account")["id"]
        self.cleanup_steps.append(f"/api/v1/accounts/{self.account}")
        self.contact = made(self.admin("POST", "/api/v1/contacts", {
            "accountId": self.account, "name": f"Probe Contact {self.tag}"}), "contact")["id"]
        self.cleanup_steps.insert(0, f"/api/v1/contacts/{self.contact}")
        team = [{"userId": am, "role": "owner", "splitPercent": "100"},
                {"userId": sales, "role": "sales_partner", "splitPercent": "0"},
                {"userId": pm, "role": "project_manager", "splitPercent": "0"}]

        def opportunity(name):
            o = made(w.admin("POST", "/api/v1/opportunities", {
                "accountId": w.account, "name": f"{name} {w.tag}", "kind": "new_business", "stage": "prospecting",
                "amount": "0.00", "closeDate": "2031-06-30", "ownerId": am, "team": team}), "opportunity")["id"]
            w.cleanup_steps.insert(0, f"/api/v1/opportunities/{o}")
            return o

        self.opportunity = opportunity("Authorization probe")
        self.flow_opportunity = opportunity("Authorization probe, proposal moves")
        self.activity = made(self.admin("POST", "/api/v1/activities", {
            "kind": "note", "subject": f"Authorization probe {self.tag}", "accountId": self.account, "ownerId": am}),
            "activity")["id"]
        self.cleanup_steps.insert(0, f"/api/v1/activities/{self.activity}")
        self.proposal = self.new_proposal(self.opportunity, reviewer=pm)
        periods = ok(self.admin("GET", "/api/v1/periods"), "periods")["items"]
        assert periods, "the demo has periods"
        self.period = periods[-1]["key"]
        self.consultant_quota = made(self.admin("POST", "/api/v1/quotas", {
            "userId": consultant, "periodKey": self.period, "metric": "new_business", "target": "1.00"}), "quota")["id"]
        self.cleanup_steps.insert(0, f"/api/v1/quotas/{self.consultant_quota}")
        self.admin_api_token = made(self.admin("POST", "/api/v1/tokens", {"name": f"authorization probe {self.tag}"}), "token")["id"]
        self.cleanup_steps.insert(0, f"/api/v1/tokens/{self.admin_api_token}")

    def new_proposal(self, opportunity, reviewer, moves=()):
        body = {"proposedStart": "2031-07-01", "validUntil": "2031-06-01", "terms": "authorization probe",
                "lines": [{"description": "Probe", "quantity": "1", "unit": "fixed", "unitPrice": "1.00"}]}
        if reviewer:
            body["reviewerId"] = reviewer
        proposal = ok(self.admin("POST", f"/api/v1/opportunities/{opportunity}/proposals", body), "creating a proposal")["id"]
        for move in moves:
            ok(self.admin("POST", f"/api/v1/proposals/{proposal}/{move}", {}), f"proposal {proposal}: {move}")
        return proposal

    def fresh_proposal(self, status):
        moves = {"draft": (), "in_review": ("submit",), "approved": ("submit", "approve"),
                 "sent": ("submit", "approve", "send")}[status]
        return self.new_proposal(self.flow_opportunity, self.rep("project_manager"), moves)

    def load_business(self):
        t = self.admin_token
        self.accounts = {a["id"]: a for a in every("/api/v1/accounts?includeArchived=true", t)}
        self.contacts = {c["id"]: c for c in every("/api/v1/contacts?includeArchived=true", t)}
        self.opportunities = {o["id"]: o for o in every("/api/v1/opportunities?includeArchived=true", t)}
        self.activities = {x["id"]: x for x in every("/api/v1/activities", t)}
        self.quotas = {q["id"]: q for q in every("/api/v1/quotas", t)}
        self.projects = {p["id"]: p for p in every("/api/v1/projects", t)}
        for p in self.projects.values():
            p["assignments"] = every(f"/api/v1/projects/{p['id']}/assignments", t)
        self.proposals, missing, i = {}, 0, 0
        while missing < 5:
            i += 1
            answer = self.admin("GET", f"/api/v1/proposals/{i}")
            if answer.status == 404:
                missing += 1
                continue
            missing = 0
            self.proposals[i] = ok(answer, f"proposal {i}")
        self.runs = {r["id"]: r for r in every("/api/v1/bonus-runs", t)}
        self.plans = every("/api/v1/bonus-plans", t)
        self.typical_projects = every("/api/v1/typical-projects", t)
        self.periods = ok(self.admin("GET", "/api/v1/periods"), "periods")["items"]

    def choose_targets(self):
        """Per role, the records its probes name: in the caller's scope wherever there is one."""
        pm = self.rep("project_manager")
        # The demo puts its one client link on another project; the project manager's
        # planned project has none, so links made and revoked here touch nothing else.
        own = sorted(i for i, p in self.projects.items() if p.get("projectManagerId") == pm)
        assert own, "the project manager runs a project in the demo"
        self.pm_project = min(own, key=lambda i: (self.projects[i]["status"] != "planned", i))
        self.assignment = ok(self.admin("POST", f"/api/v1/projects/{self.pm_project}/assignments", {
            "userId": self.users_by_email["noah.fischer@demo.test"]["id"], "role": f"authorization probe {self.tag}",
            "start": "2031-01-06", "end": "2031-01-10", "hoursPerWeek": "1", "location": "Remote",
            "status": "proposed", "allowOverbook": True}), "creating an assignment")["id"]
        self.cleanup_steps.insert(0, f"/api/v1/projects/{self.pm_project}/assignments/{self.assignment}")
        self.projects[self.pm_project]["assignments"] = every(f"/api/v1/projects/{self.pm_project}/assignments", self.admin_token)
        self.project_of = {}
        for role in ROLES[:-1]:
            uid = self.rep(role)
            if role in ("admin", "manager", "project_manager"):
                self.project_of[role] = self.pm_project
                continue
            # The browser tests work on project 2 and the demo's link: keep clear of them.
            seen = sorted(self.visible(uid, "projects") - {2}, key=lambda i: (i == 4, i))
            self.project_of[role] = seen[0] if seen else self.pm_project
        locked = sorted(i for i, r in self.runs.items() if r["status"] == "approved")
        drafts = sorted(i for i, r in self.runs.items() if r["status"] == "draft")
        assert locked and drafts, ("the demo firm as loaded has approved bonus runs and an open (draft) one; the browser "
                                   "test locks the open one, so run this test against a fresh demo firm, as fuzz-api.sh does")
        # The open run that holds the project manager's statement (the demo's sales plan has a draft too).
        pm_drafts = [i for i in drafts if any(s["userId"] == pm for s in self.runs[i]["statements"])] or drafts
        self.locked_run, self.draft_run = locked[0], pm_drafts[-1]

    def below(self, uid):
        """Someone below `uid` in the reporting line, preferring the consultant representative."""
        others = sorted(self.line(uid) - {uid})
        if self.is_admin(uid):
            others = [self.rep("project_manager")]
        preferred = self.rep("consultant")
        return preferred if preferred in others else (others[0] if others else uid)

    def project_parts(self, role):
        project = self.projects[self.project_of[role]]
        open_phase = next(p["id"] for p in project["phases"] if not p.get("completedOn"))
        unchecked = next((c["id"] for c in project["checklist"] if not c["checked"]), None)
        assignment = (self.assignment if project["id"] == self.pm_project
                      else (project["assignments"][0]["id"] if project["assignments"] else NOWHERE))
        return project["id"], open_phase, unchecked or NOWHERE, assignment

    def cleanup(self):
        """Removes what the test made: its assignment, client links, quota, token, and
        archives its activity, contact, opportunities and account."""
        if not hasattr(self, "admin_token"):
            return
        if self.shared.get("time_off"):
            http("POST", f"/api/v1/time-off/{self.shared['time_off']}/cancel", token=self.admin_token, headers={"If-Match": "*"})
        for project in sorted(self.made_links_on):
            http("DELETE", f"/api/v1/projects/{project}/status-link", token=self.admin_token)
        for path in self.cleanup_steps:
            http("DELETE", path, token=self.admin_token, headers={"If-Match": "*"})
        # Nothing of it may be left where the tests that follow would see it.
        left = []
        if self.shared.get("status_url") and http("GET", self.shared["status_url"]).status != 404:
            left.append("the client link")
        if hasattr(self, "assignment"):
            if any(a["id"] == self.assignment for a in every(f"/api/v1/projects/{self.pm_project}/assignments", self.admin_token)):
                left.append("the assignment")
        if hasattr(self, "consultant_quota"):
            if any(q["id"] == self.consultant_quota for q in every("/api/v1/quotas", self.admin_token)):
                left.append("the quota")
        if hasattr(self, "account"):
            if any(a["id"] == self.account for a in every("/api/v1/accounts", self.admin_token)):
                left.append("the account (not archived)")
        assert not left, f"the test left behind {', '.join(left)}"


@pytest.fixture(scope="module")
def world():
    w = World()
    try:
        w.build()
        yield w
    finally:
        w.cleanup()


# ---------------------------------------------------------------------------------
# The probes: for each operation and role, the one request that shows whether the
# role may do it. `w` is the World; `role` the column; returns a Probe.
# ---------------------------------------------------------------------------------
@dataclass
class Probe:
    method: str
    path: str
    body: object = _ABSENT
    headers: dict = field(default_factory=dict)
    raw: bytes = None
    content_type: str = None
    token: object = _ABSENT  # _ABSENT: the role's own token
    after: object = None  # called with the answer
    passed: str = None  # for an allowed 4xx: what the answer must say (it came from past the checks)

    def __post_init__(self):
        if self.passed is None and self.headers.get("If-Match") == STALE["If-Match"]:
            self.passed = "changed since you read it"


PROBES = {}


def probe(*keys):
    def register(f):
        for key in keys:
            PROBES[key] = f
        return f
    return register


def simple(key, path=None, body=_ABSENT, headers=None):
    method, template = key.split(" ", 1)
    PROBES[key] = lambda w, role: Probe(method, path or template, body, dict(headers or {}))


def on_record(method, path, stale=False):
    """The probe of one record that changes nothing: a read; a PATCH or PUT of `{}`, a
    DELETE and (with `stale`) a POST, at a stale If-Match, which 412 refuses once past
    the checks of who may."""
    if method in ("PATCH", "PUT"):
        return Probe(method, path, {}, dict(STALE))
    if method == "DELETE" or stale:
        return Probe(method, path, headers=dict(STALE))
    return Probe(method, path)


def record_probes(template, record_of, methods=("GET", "PATCH", "DELETE")):
    """`on_record` for each method at `template`, its one `{id}` (or `{key}`) the record
    `record_of(w, role)` names; a POST there moves the record, so it too is stale."""
    for method in methods:
        PROBES[f"{method} {template}"] = (lambda m: lambda w, role: on_record(
            m, re.sub(r"\{\w+\}", str(record_of(w, role)), template, count=1), stale=m == "POST"))(method)


for _path in ("/api/v1/me", "/api/v1/tokens", "/api/v1/users", "/api/v1/skills", "/api/v1/accounts", "/api/v1/contacts",
              "/api/v1/activities", "/api/v1/pipeline-stages", "/api/v1/opportunities", "/api/v1/typical-projects",
              "/api/v1/projects", "/api/v1/periods", "/api/v1/quotas", "/api/v1/bonus-plans", "/api/v1/bonus-runs",
              "/api/v1/reports/attainment", "/api/v1/reports/forecast", "/api/v1/reports/pipeline",
              "/api/v1/reports/sales-performance", "/api/v1/reports/delivery", "/api/v1/reports/growth",
              "/healthz", "/readyz", "/metrics", "/openapi.yaml"):
    simple("GET " + _path)
for _path in ("/api/v1/tokens", "/api/v1/users", "/api/v1/skills", "/api/v1/accounts", "/api/v1/contacts",
              "/api/v1/activities", "/api/v1/pipeline-stages", "/api/v1/opportunities", "/api/v1/typical-projects",
              "/api/v1/periods", "/api/v1/bonus-plans", "/api/v1/bonus-runs", "/api/v1/me/calendar-token"):
    simple("POST " + _path, body={})
simple("POST /api/v1/sessions", body={"email": "", "password": ""})
simple("GET /api/v1/time-off")
simple("POST /api/v1/time-off", body={})
simple("GET /api/v1/time-entries")
simple("POST /api/v1/time-entries", body={})
simple("GET /api/v1/timesheet", path="/api/v1/timesheet?week=2031-01-06")
simple("POST /api/v1/timesheet/submit", body={})
simple("POST /api/v1/timesheet/copy-last-week", body={})
simple("GET /api/v1/time-entries/export")
simple("POST /api/v1/time-entries/import", body={})
simple("GET /api/v1/reports/profitability")
for _path in ("/api/v1/reports/recurring-revenue", "/api/v1/reports/retention", "/api/v1/reports/renewals-due"):
    simple("GET " + _path)
for _path in ("/api/v1/cost-rates", "/api/v1/bill-rates"):
    simple("GET " + _path)
    simple("POST " + _path, body={})
simple("GET /api/v1/holiday-calendars")
simple("POST /api/v1/holiday-calendars", body={})
for _path in ("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/notifications/preferences",
              "/api/v1/notifications/deliveries"):
    simple("GET " + _path)
simple("POST /api/v1/notifications/read-all")
simple("PUT /api/v1/notifications/preferences", body={"preferences": {"no-such-kind": "app"}})
simple("POST /api/v1/notifications/{id}/read", path=f"/api/v1/notifications/{NOWHERE}/read")
simple("GET /proposal-link/{token}", path="/proposal-link/no-such-token")
simple("POST /proposal-link/{token}", path="/proposal-link/no-such-token", body={})
simple("POST /status/{token}", path="/status/no-such-token", body={})
simple("GET /status-subscription/{token}/confirm", path="/status-subscription/no-such-token/confirm")
simple("POST /status-subscription/{token}/confirm", path="/status-subscription/no-such-token/confirm", body={})
simple("GET /status-subscription/{token}/unsubscribe", path="/status-subscription/no-such-token/unsubscribe")
simple("POST /status-subscription/{token}/unsubscribe", path="/status-subscription/no-such-token/unsubscribe", body={})


def _holiday_calendar(w):
    if "holiday_calendar" not in w.shared:
        calendars = ok(w.admin("GET", "/api/v1/holiday-calendars"), "holiday calendars")["items"]
        assert calendars, "the demo firm has a holiday calendar"
        w.shared["holiday_calendar"] = calendars[0]["id"]
    return w.shared["holiday_calendar"]


def _time_off(w):
    """A pending request the admin makes for the consultant, in 2031; cancelled at the end."""
    if "time_off" not in w.shared:
        made = ok(w.admin("POST", "/api/v1/time-off", {
            "userId": w.rep("consultant"), "kind": "training", "start": "2031-03-03", "end": "2031-03-04",
            "note": f"authorization probe {w.tag}"}), "creating a time-off request")
        w.shared["time_off"] = made["id"]
    return w.shared["time_off"]


def _agreement(w):
    """The agreement of a recurring proposal the admin sends and accepts on the test's account."""
    if "agreement" not in w.shared:
        o = ok(w.admin("POST", "/api/v1/opportunities", {
            "accountId": w.account, "name": f"Authorization probe, agreement {w.tag}", "kind": "new_business",
            "stage": "prospecting", "amount": "0.00", "closeDate": "2031-06-30", "ownerId": w.rep("account_manager")}),
            "creating the agreement's opportunity")["id"]
        proposal = ok(w.admin("POST", f"/api/v1/opportunities/{o}/proposals", {
            "proposedStart": "2031-07-01", "reviewerId": w.rep("project_manager"),
            "lines": [{"description": "Probe support", "kind": "service", "quantity": "1",
                                                      "unit": "fixed", "unitPrice": "1.00",
                                                      "recurrence": {"period": "monthly", "termMonths": 12}}]}),
            "creating a recurring proposal")["id"]
        for move in ("submit", "approve", "send", "accept"):
            ok(w.admin("POST", f"/api/v1/proposals/{proposal}/{move}", {}), f"proposal {proposal}: {move}")
        made = ok(w.admin("GET", f"/api/v1/agreements?accountId={w.account}"), "the account's agreements")["items"]
        w.shared["agreement"] = made[0]["id"]
    return w.shared["agreement"]


simple("GET /api/v1/agreements")
simple("POST /api/v1/agreements/import", body={})
record_probes("/api/v1/agreements/{id}", lambda w, role: _agreement(w), methods=("GET",))
# A cancel carries its reason and day; `{}` at a stale If-Match reaches the version check.
PROBES["POST /api/v1/agreements/{id}/cancel"] = lambda w, role: Probe(
    "POST", f"/api/v1/agreements/{_agreement(w)}/cancel", {}, dict(STALE))
PROBES["POST /api/v1/agreements/{id}/downgrade"] = lambda w, role: Probe(
    "POST", f"/api/v1/agreements/{_agreement(w)}/downgrade", {}, dict(STALE))
record_probes("/api/v1/time-off/{id}", lambda w, role: _time_off(w), methods=("GET",))
for _action in ("approve", "decline", "cancel"):
    record_probes(f"/api/v1/time-off/{{id}}/{_action}", lambda w, role: _time_off(w), methods=("POST",))


def _time_entry(w):
    """An hour of training the admin records for the consultant, in 2031; deleted at the end."""
    if "time_entry" not in w.shared:
        made = ok(w.admin("POST", "/api/v1/time-entries", {
            "userId": w.rep("consultant"), "day": "2031-01-07", "hours": "1", "internalKind": "training",
            "note": f"authorization probe {w.tag}"}), "recording a time entry")
        w.shared["time_entry"] = made["id"]
        w.cleanup_steps.insert(0, f"/api/v1/time-entries/{made['id']}")
    return w.shared["time_entry"]


record_probes("/api/v1/time-entries/{id}", lambda w, role: _time_entry(w))
PROBES["POST /api/v1/timesheet/approve"] = lambda w, role: Probe(
    "POST", "/api/v1/timesheet/approve", {"userId": w.rep("consultant"), "week": "2031-01-06"}, passed="No submitted time")
PROBES["POST /api/v1/timesheet/return"] = lambda w, role: Probe(
    "POST", "/api/v1/timesheet/return", {"userId": w.rep("consultant"), "week": "2031-01-06", "comment": "probe"},
    passed="No submitted time")
PROBES["GET /api/v1/projects/{id}/budget"] = lambda w, role: Probe(
    "GET", f"/api/v1/projects/{w.project_of[role if role != 'anonymous' else 'project_manager']}/budget")
PROBES["PUT /api/v1/projects/{id}/phases/{phaseId}/estimate"] = lambda w, role: Probe(
    "PUT", "/api/v1/projects/{}/phases/{}/estimate".format(*w.project_parts(role if role != "anonymous" else "project_manager")[:2]),
    {"estimateToComplete": "-1"})
record_probes("/api/v1/holiday-calendars/{id}", lambda w, role: _holiday_calendar(w))
PROBES["POST /api/v1/holiday-calendars/{id}/import"] = lambda w, role: Probe(
    "POST", f"/api/v1/holiday-calendars/{_holiday_calendar(w)}/import", {"file": ""}, passed="no holidays")
record_probes("/api/v1/users/{id}/working-calendar", lambda w, role: me(w, role), methods=("GET", "PUT"))
simple("GET /api/v1/sites")
simple("POST /api/v1/sites", body={})
simple("GET /api/v1/travel-times")
simple("PUT /api/v1/travel-times", body={})
PROBES["POST /api/v1/sites/import"] = lambda w, role: Probe(
    "POST", "/api/v1/sites/import?dryRun=true", raw=b"", content_type="text/csv")
PROBES["POST /api/v1/travel-times/import"] = lambda w, role: Probe(
    "POST", "/api/v1/travel-times/import?dryRun=true", raw=b"", content_type="text/csv")
# Anyone signed in searches; what each finds is their own scope (SearchTests).
simple("GET /api/v1/search", path="/api/v1/search?q=demo")
simple("GET /api/v1/list-views")
simple("POST /api/v1/list-views", body={"kind": "opportunities", "name": ""})


def _own_list_view(w, role):
    """A projects view the role saves for one probe (everyone has a projects list)."""
    if role == "anonymous":
        return NOWHERE
    made = ok(http("POST", "/api/v1/list-views", {"kind": "projects", "name": f"Probe {uuid.uuid4().hex[:8]}", "parameters": "status=active"},
                   token=w.rep_token(role)), "saving a list view")
    return made["id"]


PROBES["DELETE /api/v1/list-views/{id}"] = lambda w, role: Probe("DELETE", f"/api/v1/list-views/{_own_list_view(w, role)}")


@probe("GET /api/v1/list-views/{id}/export")
def _(w, role):
    view = _own_list_view(w, role)
    token = w.rep_token(role) if role != "anonymous" else None
    return Probe("GET", f"/api/v1/list-views/{view}/export",
                 after=lambda answer: http("DELETE", f"/api/v1/list-views/{view}", token=token))


def _site(w):
    """A firm place the admin makes for this test; archived at the end."""
    if "site" not in w.shared:
        made = ok(w.admin("POST", "/api/v1/sites", {"name": f"Probe office {w.tag}", "timeZone": "Europe/Brussels"}),
                  "creating a site")
        w.shared["site"] = made["id"]
        w.cleanup_steps.insert(0, f"/api/v1/sites/{made['id']}")
    return w.shared["site"]


record_probes("/api/v1/sites/{id}", lambda w, role: _site(w))
PROBES["PUT /api/v1/users/{id}/home-base"] = lambda w, role: Probe(
    "PUT", f"/api/v1/users/{me(w, role)}/home-base", {"siteId": NOWHERE}, passed="No site")
record_probes("/api/v1/users/{id}/day-plans", lambda w, role: me(w, role), methods=("GET",))
simple("GET /api/v1/settings")
simple("PATCH /api/v1/settings", body={}, headers=STALE)


def _site_of_project_part(assignment_too):
    def make(w, role):
        project, _phase, _item, assignment = w.project_parts(role if role != "anonymous" else "project_manager")
        part = f"/assignments/{assignment}" if assignment_too else ""
        return Probe("PUT", f"/api/v1/projects/{project}{part}/site", {"siteId": NOWHERE}, passed="No site")
    return make


PROBES["PUT /api/v1/projects/{id}/site"] = _site_of_project_part(False)
PROBES["PUT /api/v1/projects/{id}/assignments/{assignmentId}/site"] = _site_of_project_part(True)


def _move_days_part(undo):
    def make(w, role):
        project, _phase, _item, assignment = w.project_parts(role if role != "anonymous" else "project_manager")
        path = f"/api/v1/projects/{project}/assignments/{assignment}/move-days"
        if undo:
            return Probe("POST", path + "/undo", {"version": 999999, "userId": me(w, "admin"), "start": "2031-01-06", "end": "2031-01-06",
                                                  "allowOverbook": False, "remove": []}, passed="changed since you read it")
        return Probe("POST", path, {"first": "2031-01-06", "last": "2031-01-06", "shift": 1}, dict(STALE))
    return make


PROBES["POST /api/v1/projects/{id}/assignments/{assignmentId}/move-days"] = _move_days_part(False)
PROBES["POST /api/v1/projects/{id}/assignments/{assignmentId}/move-days/undo"] = _move_days_part(True)
simple("GET /static/{file}", "/static/app.css")
record_probes("/api/v1/pipeline-stages/{key}", lambda w, role: "prospecting")
PROBES["POST /api/v1/imports/{kind}"] = lambda w, role: Probe(
    "POST", "/api/v1/imports/accounts?dryRun=true", raw=b"", content_type="text/csv")
simple("GET /api/v1/exports/{kind}.csv", "/api/v1/exports/accounts.csv")


def me(w, role):
    return w.rep(role) if role != "anonymous" else w.rep("project_manager")


# Operations on one record named by {id}: the test's own account, contact, activity,
# opportunity and proposal; the caller's project; the caller's own person; the open run.
RECORD_OF = {
    "accounts": lambda w, r: w.account, "contacts": lambda w, r: w.contact, "activities": lambda w, r: w.activity,
    "opportunities": lambda w, r: w.opportunity, "proposals": lambda w, r: w.proposal,
    "typical-projects": lambda w, r: w.typical_projects[0]["id"], "bonus-plans": lambda w, r: w.plans[0]["id"],
    "bonus-runs": lambda w, r: w.draft_run, "projects": lambda w, r: w.project_of.get(r, w.pm_project),
    "users": me,
}
BY_ID = [
    "GET /api/v1/users/{id}", "PATCH /api/v1/users/{id}", "GET /api/v1/users/{id}/assignments",
    "GET /api/v1/accounts/{id}", "PATCH /api/v1/accounts/{id}", "DELETE /api/v1/accounts/{id}",
    "POST /api/v1/accounts/{id}/restore", "POST /api/v1/opportunities/{id}/restore",
    "GET /api/v1/accounts/{id}/timeline", "GET /api/v1/accounts/{id}/white-space",
    "GET /api/v1/contacts/{id}", "PATCH /api/v1/contacts/{id}", "DELETE /api/v1/contacts/{id}",
    "GET /api/v1/activities/{id}", "PATCH /api/v1/activities/{id}", "DELETE /api/v1/activities/{id}",
    "GET /api/v1/opportunities/{id}", "PATCH /api/v1/opportunities/{id}", "DELETE /api/v1/opportunities/{id}",
    "GET /api/v1/opportunities/{id}/history", "GET /api/v1/opportunities/{id}/proposals",
    "GET /api/v1/typical-projects/{id}", "PATCH /api/v1/typical-projects/{id}",
    "GET /api/v1/proposals/{id}", "PATCH /api/v1/proposals/{id}", "GET /api/v1/proposals/{id}/capacity-check",
    "POST /api/v1/proposals/{id}/client-link", "DELETE /api/v1/proposals/{id}/client-link", "GET /api/v1/proposals/{id}/client-decision",
    "GET /proposals/{id}/print",
    "GET /api/v1/projects/{id}", "GET /api/v1/projects/{id}/staffing-suggestions", "GET /api/v1/projects/{id}/assignments",
    "GET /api/v1/bonus-plans/{id}", "PATCH /api/v1/bonus-plans/{id}", "GET /api/v1/bonus-plans/{id}/members",
    "GET /api/v1/bonus-runs/{id}", "GET /api/v1/bonus-runs/{id}/statements.csv",
]


def _by_id(key):
    method, template = key.split(" ", 1)
    parts = template.strip("/").split("/")
    kind = parts[2] if parts[0] == "api" else parts[0]

    def make(w, role):
        return on_record(method, template.replace("{id}", str(RECORD_OF[kind](w, role))), stale=template.endswith("/restore"))
    return make


for _key in BY_ID:
    PROBES[_key] = _by_id(_key)


@probe("DELETE /api/v1/sessions/current")
def _(w, role):
    # A throwaway session of the caller's own, so that their main token keeps working.
    token = sign_in(REPRESENTATIVES[role]) if role != "anonymous" else None
    if token:
        w.signed_out.append(token)
    return Probe("DELETE", "/api/v1/sessions/current", token=token)


@probe("DELETE /api/v1/tokens/{id}")
def _(w, role):
    if role == "anonymous":
        return Probe("DELETE", f"/api/v1/tokens/{w.admin_api_token}")
    made = ok(http("POST", "/api/v1/tokens", {"name": f"probe {w.tag}"}, token=w.rep_token(role)), "a token to delete")
    return Probe("DELETE", f"/api/v1/tokens/{made['id']}")


@probe("PATCH /api/v1/users/{id} (another person)")
def _(w, role):
    uid = me(w, role)
    other = w.below(uid)
    if other == uid:  # nobody below: a colleague
        other = next(i for i in w.demo_people if i != uid and not w.is_admin(i))
    return on_record("PATCH", f"/api/v1/users/{other}")


@probe("PUT /api/v1/users/{id}/skills")
def _(w, role):
    person = w.below(me(w, role))
    skills = ok(w.admin("GET", f"/api/v1/users/{person}"), "a person's skills")["skills"]
    return Probe("PUT", f"/api/v1/users/{person}/skills", [{"skill": s["skill"], "level": s["level"]} for s in skills])


@probe("POST /api/v1/opportunities/{id}/proposals")
def _(w, role):
    return Probe("POST", f"/api/v1/opportunities/{w.opportunity}/proposals", {"reviewerId": NOWHERE},
                 passed="Reviewer must be an active project manager")


@probe("POST /api/v1/proposals/{id}/submit")
def _(w, role):
    if not w.shared.get("unreviewed"):
        w.shared["unreviewed"] = w.new_proposal(w.flow_opportunity, reviewer=None)
    return Probe("POST", f"/api/v1/proposals/{w.shared['unreviewed']}/submit", {}, passed="Choose a reviewer")


@probe("POST /api/v1/proposals/{id}/return")
def _(w, role):
    if not w.shared.get("in_review"):
        w.shared["in_review"] = w.fresh_proposal("in_review")
    return Probe("POST", f"/api/v1/proposals/{w.shared['in_review']}/return", {}, passed="in a comment")


@probe("POST /api/v1/proposals/{id}/accept")
def _(w, role):
    if not w.shared.get("sent"):
        w.shared["sent"] = w.fresh_proposal("sent")
    return Probe("POST", f"/api/v1/proposals/{w.shared['sent']}/accept", {"acceptedOn": "2999-12-31"}, passed="in the future")


def _fresh_move(action, status):
    def make(w, role):
        target = w.proposal if role == "anonymous" else w.fresh_proposal(status)
        return Probe("POST", f"/api/v1/proposals/{target}/{action}", {})
    return make


PROBES["POST /api/v1/proposals/{id}/approve"] = _fresh_move("approve", "in_review")
PROBES["POST /api/v1/proposals/{id}/send"] = _fresh_move("send", "approved")
PROBES["POST /api/v1/proposals/{id}/decline"] = _fresh_move("decline", "sent")


@probe("POST /api/v1/projects/{id}/assignments")
def _(w, role):
    project = w.project_of.get(role, w.pm_project)
    return Probe("POST", f"/api/v1/projects/{project}/assignments", {
        "userId": NOWHERE, "role": "authorization probe", "start": "2031-02-03", "end": "2031-02-07",
        "hoursPerWeek": "1", "status": "proposed"}, passed="must be an active person")


PROJECT_PARTS = [
    "PATCH /api/v1/projects/{id}",
    "GET /api/v1/projects/{id}/assignments/{assignmentId}",
    "PATCH /api/v1/projects/{id}/assignments/{assignmentId}", "DELETE /api/v1/projects/{id}/assignments/{assignmentId}",
    "PATCH /api/v1/projects/{id}/phases/{phaseId}", "POST /api/v1/projects/{id}/phases/{phaseId}/complete",
    "POST /api/v1/projects/{id}/phases/{phaseId}/reopen", "PUT /api/v1/projects/{id}/checklist/{itemId}",
    "POST /api/v1/projects/{id}/hold", "POST /api/v1/projects/{id}/resume",
    "POST /api/v1/projects/{id}/status-link", "DELETE /api/v1/projects/{id}/status-link",
]


def _project_part(key):
    method, template = key.split(" ", 1)

    def make(w, role):
        project, phase, item, assignment = w.project_parts(role if role != "anonymous" else "project_manager")
        path = (template.replace("{id}", str(project)).replace("{phaseId}", str(phase))
                .replace("{itemId}", str(item)).replace("{assignmentId}", str(assignment)))
        if "/assignments/" in template or template == "/api/v1/projects/{id}":
            return on_record(method, path)
        if template.endswith("{phaseId}"):
            return Probe(method, path, {"start": "1800-01-01"}, passed="between the years")  # out of range: 422
        if template.endswith("/complete"):
            return Probe(method, path, {"completedOn": "2999-12-31"}, passed="cannot be in the future")
        if template.endswith("/reopen"):
            return Probe(method, path, {}, passed="not completed")  # still open: 409
        if template.endswith("/resume"):
            return Probe(method, path, passed="Only a project on hold")  # not on hold: 409
        if template.endswith("/hold"):  # held for real, and resumed at once
            return Probe(method, path, after=lambda answer: w.admin("POST", path.replace("/hold", "/resume"))
                         if answer.status < 300 else None)
        if "/checklist/" in template:
            return Probe(method, path, {"checked": False})  # unchecked stays unchecked
        if method == "POST":  # a real link: revoked by the DELETE probes and at the end
            return Probe(method, path, {}, after=lambda answer: w.made_links_on.add(project) if answer.status < 300 else None)
        return Probe(method, path)
    return make


for _key in PROJECT_PARTS:
    PROBES[_key] = _project_part(_key)


@probe("POST /api/v1/quotas")
def _(w, role):
    person = w.below(me(w, role))
    return Probe("POST", "/api/v1/quotas", {"userId": person, "periodKey": "not-a-period", "metric": "new_business",
                                            "target": "1.00"}, passed="Period must be")


def quota_target(w, role):
    """The consultant's quota this test made for those above her (and for her own); else one's own quota."""
    uid = me(w, role)
    if w.is_admin(uid) or uid == w.rep("consultant") or w.below(uid) == w.rep("consultant"):
        return w.consultant_quota
    own = [q["id"] for q in w.quotas.values() if q["userId"] == uid]
    return own[0] if own else w.consultant_quota


record_probes("/api/v1/quotas/{id}", quota_target)


@probe("POST /api/v1/bonus-runs/{id}/recompute")
def _(w, role):
    return Probe("POST", f"/api/v1/bonus-runs/{w.locked_run}/recompute", {}, passed="locked")


@probe("POST /api/v1/bonus-runs/{id}/approve")
def _(w, role):
    # Only roles that must be refused touch the open run: approving it would lock it.
    allowed = POLICY_ROWS["POST /api/v1/bonus-runs/{id}/approve"][role]
    return Probe("POST", f"/api/v1/bonus-runs/{w.locked_run if allowed else w.draft_run}/approve", {}, passed="locked")


@probe("GET /api/v1/bonus-runs/{id}/statements/{userId}")
def _(w, role):
    return Probe("GET", f"/api/v1/bonus-runs/{w.draft_run}/statements/{w.rep('project_manager')}")


@probe("POST /api/v1/bonus-runs/{id}/adjustments")
def _(w, role):
    return Probe("POST", f"/api/v1/bonus-runs/{w.locked_run}/adjustments", {
        "userId": w.rep("project_manager"), "amount": "1000000000000000.00", "reason": "authorization probe"},
        passed="too large|locked")


@probe("POST /api/v1/bonus-plans/{id}/members")
def _(w, role):
    return Probe("POST", f"/api/v1/bonus-plans/{w.plans[0]['id']}/members", {}, passed="from")


@probe("DELETE /api/v1/bonus-plans/{id}/members/{memberId}")
def _(w, role):
    plan = w.plans[0]["id"]
    if POLICY_ROWS["DELETE /api/v1/bonus-plans/{id}/members/{memberId}"][role]:
        # A membership of its own to remove: a consultant for one month in 2031, touching no run.
        member = ok(w.admin("POST", f"/api/v1/bonus-plans/{plan}/members", {
            "userId": w.rep("consultant"), "from": "2031-01-01", "to": "2031-01-31"}), "a membership to remove")["id"]
    else:
        member = w.plans[0]["members"][0]["id"]  # the demo's own: refused, so it stays
    return Probe("DELETE", f"/api/v1/bonus-plans/{plan}/members/{member}")


@probe("POST /api/v1/bonus-runs/{id}/statements/{userId}/approve")
def _(w, role):
    # Only roles that must be refused touch the open run: approving there would change it.
    allowed = POLICY_ROWS["POST /api/v1/bonus-runs/{id}/statements/{userId}/approve"][role]
    run = w.locked_run if allowed else w.draft_run
    return Probe("POST", f"/api/v1/bonus-runs/{run}/statements/{w.rep('project_manager')}/approve", {}, passed="locked")


@probe("POST /api/v1/bonus-runs/what-if")
def _(w, role):
    return Probe("POST", "/api/v1/bonus-runs/what-if", {
        "planId": w.plans[0]["id"], "period": w.runs[w.draft_run]["period"], "userId": w.rep("project_manager"),
        "completions": []})


@probe("GET /status/{token}")
def _(w, role):
    if not w.shared.get("status_url"):
        w.made_links_on.add(w.pm_project)
        w.shared["status_url"] = ok(w.admin("POST", f"/api/v1/projects/{w.pm_project}/status-link", {}), "a client link")["url"]
    return Probe("GET", w.shared["status_url"])


@probe("GET /calendar/{token}.ics")
def _(w, role):
    return Probe("GET", ok(w.admin("GET", "/api/v1/me"), "the admin")["calendarUrl"])


# ---------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------


def run_probe(w, key, role):
    p = PROBES[key](w, role)
    token = w.rep_token(role) if p.token is _ABSENT else p.token
    if role == "anonymous":
        token = None
    answer = http(p.method, p.path, p.body, token=token, headers=p.headers, raw=p.raw, content_type=p.content_type)
    if p.after:
        p.after(answer)
    return p, answer


def test_the_policy_names_every_operation_in_the_openapi_document():
    listed = {base_key(k) for k in POLICY_ROWS}
    operations = set(openapi_operations())
    assert not operations - listed, f"operations without a line in POLICY: {sorted(operations - listed)}"
    assert not listed - operations, f"POLICY lines for operations the document does not have: {sorted(listed - operations)}"
    assert set(PROBES) == set(POLICY_ROWS), f"probes and policy differ: {sorted(set(PROBES) ^ set(POLICY_ROWS))}"


def test_the_documented_table_is_in_step():
    target = os.environ.get("BATON_AUTHZ_TABLE")
    if target:
        write_table(target)
    text = DOC.read_text()
    assert markdown_table() in text, (
        "docs/authorization.md is out of step with POLICY: run "
        "`BATON_AUTHZ_TABLE=docs/authorization.md python3 e2e/live/test_authorization.py`")


@pytest.mark.parametrize("key", list(POLICY_ROWS))
def test_matrix(world, key):
    """One operation, every role: allowed where POLICY says yes, refused where it says no."""
    problems = []
    for role in ROLES:
        p, answer = run_probe(world, key, role)
        expected = POLICY_ROWS[key][role]
        got = verdict(answer.status)
        cell = f"[{key} × {role}] {p.method} {p.path}"
        if answer.status >= 500:
            problems.append(f"{cell}: server error {answer.status}")
        elif got is None:
            problems.append(f"{cell}: {answer.status} is neither allowed nor refused")
        elif role == "anonymous" and p.path.startswith("/api/v1/") and key != "POST /api/v1/sessions" and answer.status != 401:
            problems.append(f"{cell}: signed out must get 401, got {answer.status}")
        elif got != expected:
            problems.append(f"{cell}: expected {'allowed' if expected else 'refused'}, got {answer.status} "
                            f"{answer.data[:200].decode(errors='replace')}" + known(key, role))
        elif expected and answer.status >= 400 and p.passed and not re.search(p.passed, answer.data.decode(errors="replace")):
            problems.append(f"{cell}: allowed, but the {answer.status} did not come from past the checks "
                            f"(expected it to say {p.passed!r}): {answer.data[:200].decode(errors='replace')}")
    assert not problems, "\n".join(problems)


def test_a_signed_out_session_and_a_made_up_token_get_401(world):
    throwaway = sign_in(REPRESENTATIVES["sales"])
    assert http("DELETE", "/api/v1/sessions/current", token=throwaway).status == 204
    for token in world.signed_out + [throwaway]:
        assert http("GET", "/api/v1/me", token=token).status == 401, "a signed-out session still works"
    for key in POLICY_ROWS:
        method, path = base_key(key).split(" ", 1)
        if not path.startswith("/api/v1/"):
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        answer = http(method, concrete, {} if method in ("POST", "PUT", "PATCH") else _ABSENT, token="not-a-real-token")
        assert answer.status == 401, f"{method} {concrete} with a made-up token: {answer.status}"


# ---------------------------------------------------------------------------------
# Scope probes: other people's ids. For every demo person who is not an admin, the
# records the model says they must not see are absent from lists, searches, exports
# and reports, and naming them answers 404 (a role refused outright, such as a
# consultant on the pipeline, answers 403 whatever the id: the same as for an id no
# record has, so it tells nothing either).
# ---------------------------------------------------------------------------------
def pool():
    return ThreadPoolExecutor(max_workers=12)


@pytest.fixture(scope="module")
def people(world):
    """The world reloaded after the matrix (which added proposals), and the people to probe as."""
    world.load_business()
    people = [uid for uid in world.demo_people if not world.is_admin(uid)]
    for uid in people:  # signed in one at a time, before the probes run in parallel
        world.token(name_of(world, uid))
    return people


def spread(ids, n=3, prefer=()):
    """A few ids from a set: preferred ones first, then the first, middle and last."""
    ordered = sorted(ids)
    picks = [i for i in sorted(prefer) if i in ids][:1]
    if ordered:
        picks += [ordered[0], ordered[len(ordered) // 2], ordered[-1]]
    return list(dict.fromkeys(picks))[:n + 1]


def name_of(w, uid):
    return w.users[uid]["email"]


LISTS = [  # kind, path, needs a pipeline reader
    ("accounts", "/api/v1/accounts?includeArchived=true", True),
    ("contacts", "/api/v1/contacts?includeArchived=true", True),
    ("opportunities", "/api/v1/opportunities?includeArchived=true", True),
    ("activities", "/api/v1/activities", True),
    ("projects", "/api/v1/projects", False),
    ("users", "/api/v1/users", False),
    ("quotas", "/api/v1/quotas", False),
]


def test_lists_hold_exactly_what_each_person_may_see(world, people):
    def check(uid):
        token = world.token(name_of(world, uid))
        problems = []
        for kind, path, pipeline in LISTS:
            if pipeline and not world.reader(uid):
                status = http("GET", path, token=token).status
                if status != 403:
                    problems.append(f"{name_of(world, uid)} GET {path}: a consultant gets 403, got {status}")
                continue
            got = {item["id"] for item in every(path, token)}
            want = world.visible(uid, kind)
            if got - want:
                problems.append(f"LEAK: {name_of(world, uid)} GET {path} lists {kind} outside their scope: {sorted(got - want)[:10]}")
            if want - got:
                problems.append(f"{name_of(world, uid)} GET {path} misses {kind} the scope rules give them "
                                f"(not a leak; the test's model and the server disagree): {sorted(want - got)[:10]}")
        return problems

    with pool() as executor:
        problems = [p for found in executor.map(check, people) for p in found]
    assert not problems, "\n".join(problems)


@dataclass
class Attempt:
    who: int
    what: str
    method: str
    path: str
    body: object = _ABSENT
    headers: dict = field(default_factory=dict)
    page: bool = False  # a web page: signed in with the session cookie
    nowhere: str = None  # the same request naming a record that does not exist


def attempt(who, what, method, template, record, body=_ABSENT, headers=None, page=False, **more):
    fill = {"id": record, **more}
    path = template.format(**fill)
    nowhere = template.format(**{**fill, "id": NOWHERE})
    return Attempt(who, what, method, path, body, dict(headers or {}), page, nowhere)


def attempts_for(w, uid):
    """Every request `uid` makes with ids outside their scope."""
    out = []
    add = out.append
    peers = {u for u, r in w.users.items() if r.get("managerId") == w.users[uid].get("managerId") and u != uid}
    peer_accounts = {a for a, r in w.accounts.items() if r.get("ownerId") in peers}

    hidden = set(w.accounts) - w.visible(uid, "accounts")
    for a in spread(hidden, prefer=peer_accounts):
        add(attempt(uid, "account", "GET", "/api/v1/accounts/{id}", a))
        add(attempt(uid, "account", "PATCH", "/api/v1/accounts/{id}", a, {}, STALE))
        add(attempt(uid, "account", "DELETE", "/api/v1/accounts/{id}", a, headers=STALE))
        add(attempt(uid, "account", "GET", "/api/v1/accounts/{id}/timeline", a))
        add(attempt(uid, "account", "GET", "/api/v1/accounts/{id}/white-space", a))
        add(attempt(uid, "account", "GET", "/accounts/{id}", a, page=True))
    for kind, what in (("contacts", "contact"), ("activities", "activity")):
        for c in spread(set(getattr(w, kind)) - w.visible(uid, kind)):
            add(attempt(uid, what, "GET", f"/api/v1/{kind}/{{id}}", c))
            add(attempt(uid, what, "PATCH", f"/api/v1/{kind}/{{id}}", c, {}, STALE))
            add(attempt(uid, what, "DELETE", f"/api/v1/{kind}/{{id}}", c, headers=STALE))
    peer_opportunities = {o for o, r in w.opportunities.items() if r["accountId"] in peer_accounts}
    for o in spread(set(w.opportunities) - w.visible(uid, "opportunities"), prefer=peer_opportunities):
        add(attempt(uid, "opportunity", "GET", "/api/v1/opportunities/{id}", o))
        add(attempt(uid, "opportunity", "PATCH", "/api/v1/opportunities/{id}", o, {}, STALE))
        add(attempt(uid, "opportunity", "DELETE", "/api/v1/opportunities/{id}", o, headers=STALE))
        add(attempt(uid, "opportunity", "GET", "/api/v1/opportunities/{id}/history", o))
        add(attempt(uid, "opportunity", "GET", "/api/v1/opportunities/{id}/proposals", o))
        add(attempt(uid, "opportunity", "POST", "/api/v1/opportunities/{id}/proposals", o, {"reviewerId": NOWHERE}))
        add(attempt(uid, "opportunity", "GET", "/opportunities/{id}", o, page=True))
    # Proposals: every demo one they may not see is read; a few (their peers' first) are also
    # changed and moved, with requests that could never change one (a stale version, an
    # acceptance dated in the future, a return without its comment).
    hidden = set(w.proposals) - w.visible(uid, "proposals")
    peer_proposals = {i for i, pr in w.proposals.items() if pr.get("authorId") in peers or pr.get("reviewerId") in peers}
    ours = {i for i, pr in w.proposals.items()  # this test's many versions (and earlier runs'): a few suffice
            if pr["opportunityId"] in (w.opportunity, w.flow_opportunity) or w.opportunities[pr["opportunityId"]].get("archived")}
    for pr in sorted(hidden - ours) + spread(hidden & ours):
        add(attempt(uid, "proposal", "GET", "/api/v1/proposals/{id}", pr))
    for pr in spread(hidden, n=4, prefer=peer_proposals):
        add(attempt(uid, "proposal", "PATCH", "/api/v1/proposals/{id}", pr, {}, STALE))
        add(attempt(uid, "proposal", "GET", "/api/v1/proposals/{id}/capacity-check", pr))
        add(attempt(uid, "proposal", "POST", "/api/v1/proposals/{id}/accept", pr, {"acceptedOn": "2999-12-31"}))
        add(attempt(uid, "proposal", "POST", "/api/v1/proposals/{id}/return", pr, {}))
        add(attempt(uid, "proposal", "GET", "/proposals/{id}/print", pr))
        add(attempt(uid, "proposal", "GET", "/proposals/{id}", pr, page=True))
    for pj in sorted(set(w.projects) - w.visible(uid, "projects")):
        project = w.projects[pj]
        open_phase = next((ph["id"] for ph in project["phases"] if not ph.get("completedOn")), NOWHERE)
        first = project["assignments"][0]["id"] if project["assignments"] else NOWHERE
        add(attempt(uid, "project", "GET", "/api/v1/projects/{id}", pj))
        add(attempt(uid, "project", "GET", "/api/v1/projects/{id}/staffing-suggestions", pj))
        add(attempt(uid, "project", "GET", "/api/v1/projects/{id}/assignments", pj))
        add(attempt(uid, "project", "POST", "/api/v1/projects/{id}/assignments", pj, {
            "userId": NOWHERE, "role": "probe", "start": "2031-02-03", "end": "2031-02-07", "hoursPerWeek": "1"}))
        add(attempt(uid, "project", "PATCH", "/api/v1/projects/{id}/assignments/{a}", pj, {}, STALE, a=first))
        add(attempt(uid, "project", "DELETE", "/api/v1/projects/{id}/assignments/{a}", pj, headers=STALE, a=first))
        add(attempt(uid, "project", "PATCH", "/api/v1/projects/{id}/phases/{ph}", pj, {"start": "1800-01-01"}, ph=open_phase))
        add(attempt(uid, "project", "POST", "/api/v1/projects/{id}/phases/{ph}/complete", pj, {"completedOn": "2999-12-31"},
                    ph=open_phase))
        add(attempt(uid, "project", "POST", "/api/v1/projects/{id}/phases/{ph}/reopen", pj, {}, ph=open_phase))
        add(attempt(uid, "project", "PUT", "/api/v1/projects/{id}/checklist/{i}", pj, {"checked": False}, i=NOWHERE))
        add(attempt(uid, "project", "POST", "/api/v1/projects/{id}/status-link", pj, {"expiresOn": "2000-01-01"}))
        if pj == w.pm_project:  # the one project whose links this test may revoke
            add(attempt(uid, "project", "DELETE", "/api/v1/projects/{id}/status-link", pj))
        add(attempt(uid, "project", "GET", "/projects/{id}", pj, page=True))
    outside = set(w.users) - w.visible(uid, "users")
    for person in sorted(outside):
        add(attempt(uid, "person", "GET", "/api/v1/users/{id}", person))
        add(attempt(uid, "person", "GET", "/api/v1/users/{id}/assignments", person))
    for person in spread(outside):
        skills = [{"skill": s["skill"], "level": s["level"]} for s in w.users[person]["skills"]]
        add(attempt(uid, "person", "PATCH", "/api/v1/users/{id}", person, {}, STALE))
        add(attempt(uid, "person", "PUT", "/api/v1/users/{id}/skills", person, skills))  # their own skills: no change
    for q in spread(set(w.quotas) - w.visible(uid, "quotas"), n=4):
        add(attempt(uid, "quota", "GET", "/api/v1/quotas/{id}", q))
        add(attempt(uid, "quota", "PATCH", "/api/v1/quotas/{id}", q, {}, STALE))
        add(attempt(uid, "quota", "DELETE", "/api/v1/quotas/{id}", q, headers=STALE))
    for run in w.runs.values():
        for s in run["statements"]:
            if not w.sees_statement(uid, s["userId"]):
                add(attempt(uid, "bonus statement", "GET", "/api/v1/bonus-runs/{r}/statements/{id}", s["userId"], r=run["id"]))
                add(attempt(uid, "bonus statement", "GET", "/bonus/{r}/{id}", s["userId"], r=run["id"], page=True))
    for person in sorted({s["userId"] for r in w.runs.values() for s in r["statements"]}):
        if not w.sees_statement(uid, person):
            add(Attempt(uid, "bonus what-if", "POST", "/api/v1/bonus-runs/what-if", {
                "planId": w.plans[0]["id"], "period": w.runs[w.draft_run]["period"], "userId": person, "completions": []}))
    add(attempt(uid, "API token", "DELETE", "/api/v1/tokens/{id}", w.admin_api_token))
    return out


def test_other_peoples_ids_answer_404(world, people):
    def run(a):
        token = world.token(name_of(world, a.who))
        kwargs = {"cookie": token} if a.page else {"token": token}
        answer = http(a.method, a.path, a.body, headers=a.headers, **kwargs)
        if answer.status == 404:
            return None
        if answer.status == 403 and a.nowhere and a.nowhere != a.path:
            if http(a.method, a.nowhere, a.body, headers=a.headers, **kwargs).status == 403:
                return None  # refused for the role, whatever the id: no existence is given away
        return (f"LEAK: {name_of(world, a.who)} {a.method} {a.path} ({a.what} outside their scope): "
                f"{answer.status} {answer.data[:160].decode(errors='replace')}")

    attempts = [a for uid in people for a in attempts_for(world, uid)]
    with pool() as executor:
        problems = [p for p in executor.map(run, attempts) if p]
    world.scope_attempts = len(attempts)
    assert len(attempts) > 1000, "the probes cover every kind for every person"
    assert not problems, f"{len(problems)} of {len(attempts)} probes:\n" + "\n".join(problems[:60])


def csrf_of(token):
    """The CSRF token the pages' forms carry for this session."""
    page = http("GET", "/my-week", cookie=token).data.decode()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has a form with its CSRF token"
    return found.group(1)


def test_web_forms_refuse_other_peoples_ids(world, people):
    """The pages' forms (Web/WebRoutes.swift) apply the same scope: a form naming a record
    outside it changes nothing and answers 404, or sends the browser back with "… is
    visible to you". The forms sent could not change anything even if let through, but for
    the activity form, which has no field to make fail after the scope check."""
    w = world

    def run(uid):
        who = name_of(w, uid)
        token = w.token(who)
        csrf = csrf_of(token)
        forms = []
        for a in spread(set(w.accounts) - w.visible(uid, "accounts"), n=1):
            forms.append((f"/accounts/{a}/activities", {"kind": "note", "subject": "authorization probe"}))
        for o in spread(set(w.opportunities) - w.visible(uid, "opportunities"), n=1):
            forms.append((f"/pipeline/{o}/stage", {"stage": "no-such-stage", "period": ""}))
        for pr in spread(set(w.proposals) - w.visible(uid, "proposals"), n=2):
            forms.append((f"/proposals/{pr}/act", {"action": "accept", "acceptedOn": "2999-12-31"}))
            forms.append((f"/proposals/{pr}/lines", {"quantity0": "not a number"}))
        for pj in spread(set(w.projects) - w.visible(uid, "projects"), n=2):
            forms.append((f"/projects/{pj}/checklist/{NOWHERE}", {"checked": "false"}))
            forms.append((f"/projects/{pj}/phases/{NOWHERE}/complete", {}))
            forms.append((f"/projects/{pj}/assign", {"userId": str(NOWHERE), "hoursPerWeek": "not a number"}))
        if "manager" in w.users[uid]["roles"] and any(
                not w.sees_statement(uid, s["userId"]) for s in w.runs[w.draft_run]["statements"]):
            forms.append((f"/bonus/{w.draft_run}/approve", {}))  # not above everyone in the run: refused
        problems = []
        for path, fields in forms:
            body = urllib.parse.urlencode({"csrf": csrf, **fields}).encode()
            answer = http("POST", path, cookie=token, raw=body, content_type="application/x-www-form-urlencoded")
            location = urllib.parse.unquote(answer.headers.get("Location", ""))
            refused = (answer.status in (403, 404)
                       or (answer.status in (302, 303) and "is visible to you" in location))
            if not refused:
                problems.append(f"LEAK: {who} POST {path} (outside their scope): {answer.status} {location or answer.data[:120]!r}")
        return problems

    with pool() as executor:
        problems = [p for found in executor.map(run, people) for p in found]
    assert not problems, "\n".join(problems)


def csv_ids(text):
    return {row["externalId"] for row in csv.DictReader(io.StringIO(text))}


def external(record, prefix="baton"):
    return record.get("externalId") or f"{prefix}:{record['id']}"


def test_searches_filters_exports_and_reports_stay_in_scope(world, people):
    w = world

    def check(uid):
        who = name_of(w, uid)
        token = w.token(who)
        problems = []

        def within(kind, path):
            got = {item["id"] for item in every(path, token)}
            extra = got - w.visible(uid, kind)
            if extra:
                problems.append(f"LEAK: {who} GET {path}: {kind} outside their scope {sorted(extra)[:10]}")

        line = w.line(uid)
        outsiders = sorted(set(w.users) - line)
        if w.reader(uid):
            hidden = sorted(set(w.accounts) - w.visible(uid, "accounts"))
            for a in spread(set(hidden), n=2):
                name = urllib.parse.quote(w.accounts[a]["name"])
                within("accounts", f"/api/v1/accounts?includeArchived=true&q={name}")
                within("contacts", f"/api/v1/contacts?includeArchived=true&accountId={a}")
                within("opportunities", f"/api/v1/opportunities?includeArchived=true&accountId={a}")
                within("activities", f"/api/v1/activities?accountId={a}")
            for o in spread(set(w.opportunities) - w.visible(uid, "opportunities"), n=2):
                within("opportunities", f"/api/v1/opportunities?includeArchived=true&q={urllib.parse.quote(w.opportunities[o]['name'])}")
                within("activities", f"/api/v1/activities?opportunityId={o}")
            for c in spread(set(w.contacts) - w.visible(uid, "contacts"), n=2):
                within("contacts", f"/api/v1/contacts?includeArchived=true&q={urllib.parse.quote(w.contacts[c]['name'])}")
            for owner in spread(set(outsiders), n=2):
                within("accounts", f"/api/v1/accounts?includeArchived=true&ownerId={owner}")
                within("opportunities", f"/api/v1/opportunities?includeArchived=true&ownerId={owner}")
                within("activities", f"/api/v1/activities?ownerId={owner}")
            # Exports: exactly the live records in scope.
            for kind, prefix in (("accounts", "baton"), ("contacts", "baton"), ("opportunities", "baton")):
                answer = http("GET", f"/api/v1/exports/{kind}.csv", token=token)
                got = csv_ids(answer.data.decode())
                records = getattr(w, kind)
                want = {external(records[i], prefix) for i in w.visible(uid, kind) if not records[i].get("archived")}
                if got - want:
                    problems.append(f"LEAK: {who} GET /api/v1/exports/{kind}.csv holds {len(got - want)} records outside their scope, "
                                    f"e.g. {sorted(got - want)[:5]}")
                if want - got:
                    problems.append(f"{who} GET /api/v1/exports/{kind}.csv misses {sorted(want - got)[:5]} (model disagrees)")
            # Reports: only their line's people; nobody else's line by asking for it.
            for report in ("attainment", "forecast"):
                rows = ok(http("GET", f"/api/v1/reports/{report}", token=token), report)["rows"]
                strangers = {r["userId"] for r in rows} - line
                if strangers:
                    problems.append(f"LEAK: {who} GET /api/v1/reports/{report} has rows for {sorted(strangers)}")
                for boss in spread(set(outsiders), n=2):
                    status = http("GET", f"/api/v1/reports/{report}?managerId={boss}", token=token).status
                    if status != 404:
                        problems.append(f"LEAK: {who} GET /api/v1/reports/{report}?managerId={boss} (outside their line): {status}")
            visible_opportunities = [w.opportunities[i] for i in w.visible(uid, "opportunities")]
            for period in w.periods:
                stages = ok(http("GET", f"/api/v1/reports/pipeline?period={period['key']}", token=token), "pipeline")["stages"]
                open_keys = {s["stage"] for s in stages}
                want = sum(1 for o in visible_opportunities if not o.get("archived") and o["stage"] in open_keys
                           and period["start"] <= o["closeDate"] < period["endExclusive"])
                got = sum(s["count"] for s in stages)
                if got != want:
                    problems.append(f"{'LEAK: ' if got > want else ''}{who} GET /api/v1/reports/pipeline?period={period['key']} "
                                    f"counts {got} open opportunities, their scope holds {want}")
            performance = ok(http("GET", "/api/v1/reports/sales-performance?from=2020-01-01&to=2029-12-31", token=token), "performance")
            got = sum(r["won"] + r["lost"] for r in performance["byPerson"])
            want = sum(1 for o in visible_opportunities if not o.get("archived")
                       and "2020-01-01" <= (o.get("wonOn") or o.get("lostOn") or "0000") <= "2029-12-31")
            if got != want:
                problems.append(f"{'LEAK: ' if got > want else ''}{who} GET /api/v1/reports/sales-performance counts {got} "
                                f"closed deals, their scope holds {want}")
        for pj in sorted(set(w.projects) - w.visible(uid, "projects")):
            within("projects", f"/api/v1/projects?accountId={w.projects[pj]['accountId']}")
            within("projects", f"/api/v1/projects?pmId={w.projects[pj]['projectManagerId']}")
        for person in spread(set(outsiders), n=3):
            within("quotas", f"/api/v1/quotas?userId={person}")
            within("users", f"/api/v1/users?q={urllib.parse.quote(w.users[person]['name'])}")
        return problems

    with pool() as executor:
        problems = [p for found in executor.map(check, people) for p in found]
    assert not problems, "\n".join(problems[:60])


def test_bonus_runs_show_each_person_only_the_statements_they_may_see(world, people):
    problems = []
    for uid in people:
        roles = set(world.users[uid]["roles"])
        if not roles & {"manager", "project_manager"}:
            continue
        who = name_of(world, uid)
        token = world.token(who)
        runs = every("/api/v1/bonus-runs", token)
        for run in runs + [ok(http("GET", f"/api/v1/bonus-runs/{r['id']}", token=token), "a run") for r in runs]:
            strangers = {s["userId"] for s in run["statements"]} - {p for p in world.users if world.sees_statement(uid, p)}
            if strangers:
                problems.append(f"LEAK: {who} sees the payouts of {sorted(strangers)} in bonus run {run['id']}")
        if "manager" in roles:
            for run in runs:
                text = http("GET", f"/api/v1/bonus-runs/{run['id']}/statements.csv", token=token).data.decode()
                names = {row["person"] for row in csv.DictReader(io.StringIO(text))}
                allowed = {world.users[p]["name"] for p in world.users if world.sees_statement(uid, p)}
                if names - allowed:
                    problems.append(f"LEAK: {who} GET /api/v1/bonus-runs/{run['id']}/statements.csv has {sorted(names - allowed)}")
    assert not problems, "\n".join(problems)


def test_refused_callers_learn_nothing_from_a_bonus_runs_id_or_state(world):
    """A person who may not approve or adjust a run gets the same refusal whether the run
    is locked, open or missing, and whoever the adjustment names."""
    w = world
    problems = []
    # Those who may not even read bonus runs (project managers may: a 404 or 409 tells them nothing new).
    for email in (REPRESENTATIVES["consultant"], REPRESENTATIVES["account_manager"], REPRESENTATIVES["sales"]):
        token = w.token(email)
        answers = {}
        for label, run in (("locked run", w.locked_run), ("missing run", NOWHERE)):
            answers[f"approve, {label}"] = http("POST", f"/api/v1/bonus-runs/{run}/approve", {}, token=token).status
            for person_label, person in (("someone in it", w.rep("project_manager")), ("someone not in it", w.rep("consultant"))):
                answers[f"adjust {person_label}, {label}"] = http("POST", f"/api/v1/bonus-runs/{run}/adjustments", {
                    "userId": person, "amount": "1000000000000000.00", "reason": "authorization probe"}, token=token).status
        if len(set(answers.values())) != 1 or set(answers.values()) - {403}:
            problems.append(f"{email}: " + ", ".join(f"{k}: {v}" for k, v in answers.items()))
    assert not problems, (
        "BonusRoutes must ask whether the caller may approve before it looks the run up (404), judges its status (409) "
        "or the adjustment's person (422); callers who may not even read bonus runs get one 403 for all of these:\n"
        + "\n".join(problems))


if __name__ == "__main__":
    write_table(os.environ.get("BATON_AUTHZ_TABLE", "docs/authorization.md"))
    print("wrote the authorization table")
