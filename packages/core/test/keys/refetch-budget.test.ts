import { ConfigurationError } from '../../src/errors.js';
import { createRefetchBudget } from '../../src/keys/refetch-budget.js';

describe('createRefetchBudget', () => {
  let now = 1_800_000_000_000;
  const clock = (): number => now;

  it('allows perMinute refetches, then refuses until time refills the bucket', () => {
    const budget = createRefetchBudget(3, clock);
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    now += 19_000; // 3 per minute = one every 20 s
    expect(budget.tryTake()).toBe(false);
    now += 1_000;
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
  });

  it('never holds more than perMinute, however long it sat idle', () => {
    const budget = createRefetchBudget(2, clock);
    now += 3_600_000;
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, false]);
  });

  it('does not mint refetches when the clock steps backwards', () => {
    const budget = createRefetchBudget(1, clock);
    expect(budget.tryTake()).toBe(true);
    now -= 120_000;
    expect(budget.tryTake()).toBe(false);
    now += 30_000;
    expect(budget.tryTake()).toBe(false);
  });

  it('0 disables unknown-kid refetches', () => {
    const budget = createRefetchBudget(0, clock);
    now += 600_000;
    expect(budget.tryTake()).toBe(false);
  });

  it('refuses a negative or non-finite budget at construction', () => {
    expect(() => createRefetchBudget(-1, clock)).toThrow(ConfigurationError);
    expect(() => createRefetchBudget(Number.NaN, clock)).toThrow(/refetchBudgetPerMinute/);
  });
});
