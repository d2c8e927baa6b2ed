"""The review engine in the admin: the pool and the panel rules written through their services, the
rest to read. Panels and scores are left out for reviews the user has a conflict in, as everywhere
(`reviews.access`): the admin is not a way round the pages."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin, acting_user
from catalogue.admin import ReferenceAdmin
from reviews import services
from reviews.access import conflicted_review_ids
from reviews.models import Criterion, Expert, Form, KindRules, Member, Relation, Review, Score


@admin.register(Expert)
class ExpertAdmin(ReferenceAdmin):
    list_display = ["name", "code", "is_external", "affiliation", "unit", "rank", "is_doctoral_supervisor", "is_active"]
    list_filter = ["is_external", "is_active", "rank", "is_doctoral_supervisor"]
    list_select_related = ["unit"]
    search_fields = ["name", "name_en", "code", "affiliation"]
    filter_horizontal = ["disciplines"]
    raw_id_fields = ["supervisor", "user"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.EXPERT_FIELDS if name in form.cleaned_data}
        saved = services.expert_save(
            institution=form.cleaned_data.get("institution") or obj.institution,
            expert=Expert.objects.get(pk=obj.pk) if change else None,
            disciplines=form.cleaned_data.get("disciplines"),
            by=acting_user(request),
            **fields,
        )
        obj.pk = saved.pk
        obj._state.adding = False

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The disciplines were set by `expert_save` with the rest (and are in its audit event).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(KindRules)
class KindRulesAdmin(ReferenceAdmin):
    list_display = [
        "kind",
        "form",
        "min_size",
        "min_external_percent",
        "min_rank",
        "doctoral_supervisors_only",
        "blind",
    ]
    list_select_related = ["form"]

    def save_through_service(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.kind_rules_save(
            institution=obj.institution,
            kind=obj.kind,
            form=obj.form,
            collaboration_window_years=obj.collaboration_window_years,
            by=acting_user(request),
            **{name: data[name] for name in services.RULE_FIELDS if name in data},
        )
        obj.pk = saved.pk
        obj._state.adding = False


class CriterionInline(admin.TabularInline[Criterion, Form]):
    model = Criterion
    fields = ("position", "name_zh", "name_en", "weight", "scale_max")
    readonly_fields = ("position", "name_zh", "name_en", "weight", "scale_max")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Form)
class FormAdmin(ReadOnlyAdmin):
    list_display = ["name", "outcome", "excellent_from", "good_from", "pass_from", "hides_subject"]
    search_fields = ["name"]
    inlines = [CriterionInline]


@admin.register(Relation)
class RelationAdmin(ReadOnlyAdmin):
    institution_lookup = "expert__institution_id"
    list_display = ["expert", "kind", "person", "supervisor", "unit", "declared_by", "on"]
    list_filter = ["kind", "declared_by"]
    list_select_related = ["expert", "person", "supervisor", "unit"]
    search_fields = ["expert__name", "note"]


class PanelAdmin(ReadOnlyAdmin):
    """Without the reviews the user has a conflict in (their minutes, panels and scores)."""

    review_lookup = "review_id"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        hidden = conflicted_review_ids(request.user)
        return queryset.exclude(**{f"{self.review_lookup}__in": hidden}) if hidden else queryset


@admin.register(Review)
class ReviewAdmin(PanelAdmin):
    review_lookup = "pk"
    list_display = ["title", "kind", "status", "deadline", "attempt", "decision", "decided_on"]
    list_filter = ["kind", "status", "decision"]
    search_fields = ["title"]
    date_hierarchy = "deadline"


@admin.register(Member)
class MemberAdmin(PanelAdmin):
    institution_lookup = "review__institution_id"
    list_display = ["review", "expert", "source", "status", "overall", "submitted_at"]
    list_filter = ["status", "source"]
    list_select_related = ["review", "expert"]
    search_fields = ["expert__name", "review__title"]
    exclude = ["link_key"]  # part of the expert's signed link


@admin.register(Score)
class ScoreAdmin(PanelAdmin):
    institution_lookup = "member__review__institution_id"
    review_lookup = "member__review_id"
    list_display = ["member", "criterion", "value"]
    list_select_related = ["member__review", "member__expert", "criterion"]
