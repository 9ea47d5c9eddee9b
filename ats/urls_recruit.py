"""The recruiter workspace, under /recruit/. Every view starts from the selectors in
ats.selectors: outside what the user may see, the answer is 404."""

from __future__ import annotations

from django.urls import path

from ats.views import (
    applications,
    decisions,
    documents,
    pipeline,
    requests,
    vacancies,
    workspace,
)

urlpatterns = [
    path("", workspace.home, name="workspace"),
    # Vacancies (HR manages them; managers see theirs).
    path("vacancies/new/", vacancies.vacancy_new, name="vacancy_new"),
    path("vacancies/<int:pk>/", pipeline.board, name="vacancy_board"),
    path("vacancies/<int:pk>/edit/", vacancies.vacancy_edit, name="vacancy_edit"),
    path("vacancies/<int:pk>/publish/", vacancies.vacancy_publish, name="vacancy_publish"),
    path("vacancies/<int:pk>/close/", vacancies.vacancy_close, name="vacancy_close"),
    path("vacancies/<int:pk>/stages/", vacancies.vacancy_stages, name="vacancy_stages"),
    path("vacancies/<int:pk>/bulk-reject/", decisions.bulk_reject, name="vacancy_bulk_reject"),
    # Applications.
    path("applications/", applications.application_list, name="application_list"),
    path("applications/export.csv", applications.application_export, name="application_export"),
    path("applications/<int:pk>/", applications.application_file, name="application_file"),
    path("applications/<int:pk>/move/", pipeline.application_move, name="application_move"),
    path("applications/<int:pk>/notes/", applications.note_add_view, name="note_add"),
    path(
        "applications/<int:pk>/evaluations/new/",
        applications.evaluation_new,
        name="evaluation_new",
    ),
    path("applications/<int:pk>/audit/", applications.audit_trail, name="audit_trail"),
    path(
        "applications/<int:pk>/claims-access/",
        applications.claims_access,
        name="claims_access",
    ),
    path("applications/<int:pk>/spam/", applications.erase_as_spam, name="application_spam"),
    path(
        "applications/<int:pk>/decision/<str:kind>/",
        decisions.decision_compose,
        name="decision_compose",
    ),
    path(
        "applications/<int:pk>/communicated/",
        decisions.decision_communicated,
        name="decision_communicated",
    ),
    path("documents/<uuid:pk>/download", documents.document_download, name="document_download"),
    # The data subject request desk (HR).
    path("requests/", requests.request_list, name="data_requests"),
    path("requests/new/", requests.request_new, name="data_request_new"),
    path("requests/<int:pk>/", requests.request_detail, name="data_request"),
    path("requests/<int:pk>/assign/", requests.request_assign, name="data_request_assign"),
    path("requests/<int:pk>/update/", requests.request_update, name="data_request_update"),
    path("requests/<int:pk>/extend/", requests.request_extend, name="data_request_extend"),
    path("requests/<int:pk>/resend/", requests.request_resend, name="data_request_resend"),
    path("requests/<int:pk>/restrict/", requests.request_restrict, name="data_request_restrict"),
    path("requests/<int:pk>/lift/", requests.request_lift, name="data_request_lift"),
    # Decision email templates (HR).
    path("templates/", decisions.template_list, name="decision_templates"),
    path("templates/<int:pk>/", decisions.template_edit, name="decision_template_edit"),
]
