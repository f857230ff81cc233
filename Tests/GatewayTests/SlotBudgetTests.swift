import EventLoop
@testable import Gateway
import Metrics
import Testing
import TestSupport

/// The per-process budgets of streams and polls: slots taken at once, and the line a poll waits
/// in when all are taken.
struct SlotBudgetTests {
    private static func budget(_ limit: Int, waits: LockedValue<Int> = LockedValue(0)) -> SlotBudget {
        SlotBudget(limit: limit, inUse: { Meter(label: "slot_budget_tests") }, onWait: { waits.withLock { $0 += 1 } })
    }

    @Test func tryAcquireTakesUpToTheLimitAndReleaseGivesBack() {
        let budget = Self.budget(2)
        #expect(budget.tryAcquire())
        #expect(budget.tryAcquire())
        #expect(!budget.tryAcquire())
        budget.release()
        #expect(budget.tryAcquire())
        #expect(!budget.tryAcquire())
    }

    @Test func aFreeSlotIsTakenWithoutWaiting() async {
        let waits = LockedValue(0)
        let budget = Self.budget(1, waits: waits)
        let result = await budget.acquire(until: .now + .seconds(60), alarms: AlarmClock(), drain: DrainSignal())
        #expect(result == .acquired)
        #expect(waits.withLock { $0 } == 0)
        #expect(!budget.tryAcquire())
    }

    @Test func waitersAreServedInTheOrderTheyCame() async {
        let waits = LockedValue(0)
        let budget = Self.budget(1, waits: waits)
        let alarms = AlarmClock()
        let drain = DrainSignal()
        #expect(budget.tryAcquire())
        let served = LockedValue<[Int]>([])
        var waiters: [Task<Void, Never>] = []
        for index in 0..<5 {
            waiters.append(Task {
                guard await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: drain) == .acquired else { return }
                served.withLock { $0.append(index) }
                budget.release()
            })
            // The next one comes only once this one is in line.
            #expect(await eventually(timeout: .seconds(20)) { waits.withLock { $0 } == index + 1 })
        }
        // A newcomer may not jump the line while others wait.
        #expect(!budget.tryAcquire())
        budget.release()
        for waiter in waiters { await waiter.value }
        #expect(served.withLock { $0 } == [0, 1, 2, 3, 4])
        // The last one gave the slot back to the budget.
        #expect(budget.tryAcquire())
        #expect(alarms.pendingCount == 0)
    }

    @Test func aWaiterWhoseDeadlinePassesLeavesTheLineAndGetsNoSlot() async {
        let waits = LockedValue(0)
        let budget = Self.budget(1, waits: waits)
        let alarms = AlarmClock()
        let drain = DrainSignal()
        #expect(budget.tryAcquire())
        let late = await budget.acquire(until: .now + .milliseconds(30), alarms: alarms, drain: drain)
        #expect(late == .deadline)
        // The one behind it is served next; the one that left is skipped.
        let next = Task { await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: drain) }
        #expect(await eventually(timeout: .seconds(20)) { waits.withLock { $0 } == 2 })
        budget.release()
        #expect(await next.value == .acquired)
        budget.release()
        #expect(budget.tryAcquire())
        #expect(alarms.pendingCount == 0)
    }

    @Test func drainingEmptiesTheLineAndRefusesNewcomers() async {
        let waits = LockedValue(0)
        let budget = Self.budget(1, waits: waits)
        let alarms = AlarmClock()
        let drain = DrainSignal()
        #expect(budget.tryAcquire())
        let waiting = Task { await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: drain) }
        #expect(await eventually(timeout: .seconds(20)) { waits.withLock { $0 } == 1 })
        drain.begin()
        #expect(await waiting.value == .draining)
        #expect(await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: drain) == .draining)
        budget.release()
        #expect(budget.tryAcquire())
        #expect(alarms.pendingCount == 0)
    }

    @Test func aCancelledWaiterLeavesTheLine() async {
        let waits = LockedValue(0)
        let budget = Self.budget(1, waits: waits)
        let alarms = AlarmClock()
        #expect(budget.tryAcquire())
        let waiting = Task { await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: DrainSignal()) }
        #expect(await eventually(timeout: .seconds(20)) { waits.withLock { $0 } == 1 })
        waiting.cancel()
        #expect(await waiting.value == .cancelled)
        budget.release()
        #expect(budget.tryAcquire())
        #expect(alarms.pendingCount == 0)
    }

    @Test func manyWaitersAllGetTheirTurnWithTheLimitNeverExceeded() async {
        let budget = Self.budget(3)
        let alarms = AlarmClock()
        let drain = DrainSignal()
        let inside = LockedValue((now: 0, most: 0, served: 0))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    guard await budget.acquire(until: .now + .seconds(60), alarms: alarms, drain: drain) == .acquired else { return }
                    inside.withLock { state in
                        state.now += 1
                        state.most = max(state.most, state.now)
                    }
                    await Task.yield()
                    inside.withLock { state in
                        state.now -= 1
                        state.served += 1
                    }
                    budget.release()
                }
            }
        }
        let state = inside.withLock { $0 }
        #expect(state.served == 200)
        #expect(state.most <= 3)
        #expect(state.now == 0)
        for _ in 0..<3 { #expect(budget.tryAcquire()) }
        #expect(!budget.tryAcquire())
    }
}
