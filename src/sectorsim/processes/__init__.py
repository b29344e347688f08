"""The labor market's monthly mechanics, one process per module (order: see sectorsim.model).

A process reads and writes whole numpy columns of ``model.workers`` and ``model.employers``. It
never learns a policy's name: policies act only through the generic levers on the tables
(eligibility, enrollment, credential recognition, referral bonuses, screening, separation
multipliers, wage premiums, support services).
"""
