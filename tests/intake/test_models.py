from __future__ import annotations

from clearrecord.intake.models import PHASES, Status, Upload


def test_the_progress_bar_only_moves_forward_through_the_phases() -> None:
    seen = []
    for phase in PHASES:
        for done in (0, 50, 100):
            seen.append(Upload(phase=phase, progress_done=done, progress_total=100).percent)
    seen.append(Upload(status=Status.PUBLISHED).percent)
    assert seen == sorted(seen)
    assert seen[0] == 0
    assert seen[-1] == 100
    assert max(seen[:-1]) < 100  # 100 % means published, nothing less
