import Events
import HTTPSupport

extension HTTPProblem {
    /// 422 naming the field: a profile field the contract's ``ProfileRules`` refuse.
    init(_ violation: FieldRuleViolation) {
        self = .invalidField(violation.field.rawValue, violation.message)
    }
}
