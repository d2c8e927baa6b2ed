"""Building the plan, second part: a stay from entry to its end (certificate, assessments, extensions, the end)."""

import datetime as dt

from appointments.models import Appointment
from core.dates import add_months
from demo.story.names import TRANSFER_DESTINATIONS
from demo.story.people import _EXIT_GRADES, PeoplePlanner
from demo.story.plan import _STEP_ORDER, AppointmentPlan, Step, _days
from demo.story.wording import EXTENSION_REASONS, WITHDRAWAL_NOTES
from people.models import Person


class StayPlanner(PeoplePlanner):
    """The steps of each stay."""

    # -- a stay from entry to its end --------------------------------------------------------

    def life(
        self,
        a: AppointmentPlan,
        path: str,
        *,
        extensions: int = 0,
        ground: str = "",
        min_end: dt.date | None = None,
        exit_exception: str = "",
        end_on: dt.date | None = None,
    ) -> None:
        """Writes the steps of one appointment: entry, certificate, assessments, extensions, the end."""
        rng = self.rng
        entry = a.entry_date
        person = a.person
        if min_end is not None and path in ("withdraw", "transfer"):
            if a.planned_exit_date < add_months(min_end, 3):
                a.planned_exit_date = add_months(entry, 36)
            if ground in (
                Appointment.WithdrawalGround.FAILED_ASSESSMENT,
                Appointment.WithdrawalGround.NO_PHD_CERTIFICATE,
            ):
                ground = Appointment.WithdrawalGround.PERSONAL
            if max(add_months(entry, 4), min_end) > a.planned_exit_date - _days(30):
                path, ground = "exit", ""
        steps = [Step(entry, "enter")]
        if ground == Appointment.WithdrawalGround.NO_PHD_CERTIFICATE:
            person.phd_date = None
        elif person.phd_date and person.phd_date > entry:
            steps.append(Step(person.phd_date + _days(rng.randint(3, 20)), "certificate"))
        else:
            steps.append(Step(entry, "certificate"))

        planned = a.planned_exit_date
        end: dt.date
        midterm_fail = False
        if path == "exit":
            # A foreign postdoc may exit after twelve months (facts.md §1.3); half of them do.
            foreign_early = person.is_foreign and min_end is None and end_on is None and rng.random() < 0.5
            if foreign_early or end_on is not None:
                extensions = 0
            if min_end is not None and extensions == 0 and planned < min_end + _days(20):
                if rng.random() < 0.6:
                    a.planned_exit_date = planned = add_months(entry, 36)
                else:
                    extensions = 1
            # Six years at most across stations (a little margin for months counted as begun).
            limit = add_months(entry, 70 - person.prior_postdoc_months)
            reasons = [r for r in EXTENSION_REASONS if person.gender == Person.Gender.FEMALE or "产假" not in r]
            for _ in range(extensions):
                new = add_months(planned, rng.choice((6, 12, 12)))
                while min_end is not None and new < min_end + _days(20):
                    new = add_months(new, 6)
                if new > limit:
                    break
                steps.append(
                    Step(planned - _days(rng.randint(15, 75)), "extend", {"until": new, "reason": rng.choice(reasons)})
                )
                planned = new
            if foreign_early:
                end = add_months(entry, 12) + _days(rng.randint(5, 60))
            else:
                end = planned + _days(rng.randint(-20, 10))
            if min_end is not None:
                end = max(end, min_end + _days(rng.randint(0, 25)))
        elif path == "transfer":
            low = max(add_months(entry, 6), min_end or entry)
            end = self.between(low, min(add_months(entry, 20), planned - _days(30)))
        else:  # withdraw
            if ground == Appointment.WithdrawalGround.FAILED_ASSESSMENT:
                midterm_fail = True
                end = add_months(entry, 12) + _days(rng.randint(20, 100))
            elif ground == Appointment.WithdrawalGround.NO_PHD_CERTIFICATE:
                end = add_months(entry, 6) + _days(rng.randint(5, 40))
            elif ground == Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY:
                end = planned + _days(rng.randint(30, 90))
            else:
                low = max(add_months(entry, 3), min_end or entry)
                end = self.between(low, max(low, planned - _days(30)))
        if end_on is not None:
            end = end_on

        # Assessments while in station.
        proposal = entry + _days(rng.randint(30, 85))
        if proposal < end:
            redo = rng.random() < 0.03
            steps.append(self.assessment(a, "proposal", proposal, fail=redo))
            if redo and proposal + _days(30) < end:
                steps.append(self.assessment(a, "proposal", proposal + _days(rng.randint(25, 30))))
        midterm = add_months(entry, 12) + _days(rng.randint(0, 75))
        if midterm_fail:
            midterm = end - _days(rng.randint(20, 60))
        if midterm < end:
            steps.append(self.assessment(a, "midterm", midterm, fail=midterm_fail))
        years = 2
        while add_months(entry, 12 * years) + _days(40) < end - _days(45):
            steps.append(self.assessment(a, "annual", add_months(entry, 12 * years) + _days(rng.randint(0, 40))))
            years += 1
        if path == "exit":
            steps.append(self.assessment(a, "exit", end - _days(rng.randint(10, 45)), grades=_EXIT_GRADES))
            steps.append(Step(end, "exit", {"exception": exit_exception}))
        elif path == "transfer":
            steps.append(
                Step(
                    end,
                    "transfer",
                    {
                        "to": rng.choice(TRANSFER_DESTINATIONS),
                        "note": "本人申请转入其他博士后科研流动站，不发放出站证书。",
                    },
                )
            )
        else:
            steps.append(Step(end, "withdraw", {"ground": ground, "note": rng.choice(WITHDRAWAL_NOTES[ground])}))

        steps = [s for s in steps if s.on <= self.today]
        steps.sort(key=lambda s: (s.on, _STEP_ORDER[s.kind]))
        a.steps = steps

    def random_path(self, a: AppointmentPlan, *, min_end: dt.date | None) -> None:
        roll = self.rng.random()
        if roll < 0.045:
            ground = self.pick(
                [
                    (Appointment.WithdrawalGround.PERSONAL, 45),
                    (Appointment.WithdrawalGround.FAILED_ASSESSMENT, 18),
                    (Appointment.WithdrawalGround.ILLNESS, 10),
                    (Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY, 10),
                    (Appointment.WithdrawalGround.DISCIPLINE, 5),
                    (Appointment.WithdrawalGround.OVERSTAY_ABROAD, 4),
                    (Appointment.WithdrawalGround.NO_PHD_CERTIFICATE, 4),
                ]
            )
            self.life(a, "withdraw", ground=ground, min_end=min_end)
        elif roll < 0.065:
            self.life(a, "transfer", min_end=min_end)
        else:
            roll = self.rng.random()
            extensions = 2 if roll < 0.06 else 1 if roll < 0.28 else 0
            self.life(a, "exit", extensions=extensions, min_end=min_end)
