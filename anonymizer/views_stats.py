"""Management statistics under /stats/: the dashboard and a CSV of each of its tables,
for management and HR. Everyone else gets a 404 (anonymous visitors the login page).

Nothing here reads a person: every number comes from the protected cube
(anonymizer.statistics), filtered only by a whole period and a department."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from anonymizer.statistics import charts, dashboard, periods
from ats.csv_export import csv_response
from ats.selectors import MANAGEMENT, has_role, is_hr


def _require_statistics_role(request: HttpRequest) -> None:
    if not (is_hr(request.user) or has_role(request.user, MANAGEMENT)):
        raise Http404


def _view(request: HttpRequest):
    """The cube, the filters and the view's tables; a list of errors for bad filters."""
    cube = dashboard.current()
    errors = []
    try:
        period = periods.parse(request.GET.get("period"), cube.tree)
    except periods.BadPeriod:
        errors.append(_("Choose a whole month, quarter or year from the list, or all time."))
        period = periods.parse(None, cube.tree)
    try:
        department = dashboard.parse_department(request.GET.get("department"), cube)
    except ValueError:
        errors.append(_("Choose a department from the list."))
        department = None
    return cube, period, department, errors


@require_safe
@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _require_statistics_role(request)
    cube, period, department, errors = _view(request)
    tables = [] if errors else dashboard.cached_view(cube, period, department)
    query = request.GET.urlencode()
    return render(
        request,
        "anonymizer/stats/dashboard.html",
        {
            "k": cube.k,
            "errors": errors,
            "period": period,
            "department_label": dashboard.department_label(department),
            "period_choices": dashboard.period_choices(cube),
            "department_choices": dashboard.department_choices(cube),
            "selected_period": period.key,
            "selected_department": request.GET.get("department", "") if not errors else "",
            "tables": [
                {
                    "table": table,
                    "rows": [[dashboard.shown(cell, cube.k) for cell in row] for row in table.rows],
                    "chart": charts.bar_chart(table, k=cube.k, chart_id=f"chart-{table.slug}"),
                    "query": query,
                }
                for table in tables
            ],
            "has_data": bool(cube.years),
        },
        status=400 if errors else 200,
    )


@require_safe
@login_required
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    _require_statistics_role(request)
    cube, period, department, errors = _view(request)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    found = next(
        (t for t in dashboard.cached_view(cube, period, department) if t.slug == table), None
    )
    if found is None:
        raise Http404
    suffix = period.key if department is None else f"{period.key}-department"
    return csv_response(
        f"statistics-{found.slug}-{suffix}.csv",
        [str(column) for column in found.columns],
        ([dashboard.shown(cell, cube.k) for cell in row] for row in found.rows),
    )
