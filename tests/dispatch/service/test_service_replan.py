"""Re-planning runs off the request path: orders and cancellations go on meanwhile."""

import threading

import pytest

from dispatch.planner import OrToolsPlanner
from solver import SolverParams


class GatedPlanner:
    """OR-Tools planning that starts only when the test opens the gate."""

    def __init__(self) -> None:
        self.inner = OrToolsPlanner(SolverParams(time_limit_s=0.2))
        self.solving = threading.Event()
        self.gate = threading.Event()

    def plan(self, problem, previous):
        self.solving.set()
        if not self.gate.wait(60):
            raise RuntimeError("the test never opened the gate")
        return self.inner.plan(problem, previous)


@pytest.mark.timeout(120)
def test_orders_are_taken_and_cancelled_while_the_solver_works(
    make_client, auth, order_body, online_body
):
    planner = GatedPlanner()
    with make_client(planner=planner) as client:
        client.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
        client.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])
        answers = []
        replan = threading.Thread(
            target=lambda: answers.append(
                client.post("/plan/replan", headers=auth["dispatcher"])
            )
        )
        replan.start()
        assert planner.solving.wait(60), "the re-plan never reached the solver"

        placed = client.post(
            "/orders", json=order_body("o2"), headers=auth["dispatcher"]
        )
        cancelled = client.post("/orders/o1/cancel", headers=auth["dispatcher"])
        planner.gate.set()
        replan.join(60)

        assert placed.status_code == 201
        assert cancelled.json()["status"] == "cancelled"
        plan = answers[0].json()
        planned = {s["order_id"] for stops in plan["routes"].values() for s in stops}
        assert "o1" not in planned
        assert (
            client.get("/orders/o1", headers=auth["dispatcher"]).json()["status"]
            == "cancelled"
        )
        assert client.get("/orders/o2", headers=auth["dispatcher"]).json()[
            "status"
        ] in ("accepted", "assigned")
