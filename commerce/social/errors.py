from commerce.core.errors import Forbidden, ValidationFailed


class CannotFollowSelf(ValidationFailed):
    code = "cannot_follow_self"
    title = "You cannot follow yourself"


class CannotBlockSelf(ValidationFailed):
    code = "cannot_block_self"
    title = "You cannot block yourself"


class Blocked(Forbidden):
    code = "blocked"
    title = "This user is not available to you"
