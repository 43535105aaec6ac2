"""English messages. Keys and ``{placeholders}`` must match :mod:`bot.texts.zh`."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # -- shared words
    "someone": "a member",
    "yes": "yes",
    "no": "no",
    "button.confirm": "✅ Confirm",
    "button.cancel": "✖️ Cancel",
    "button.expired": "This button has expired. Please start again.",
    "error.generic": "Sorry, something went wrong on our side. Please try again in a moment.",
    "cancel.nothing": "There is nothing to cancel.",
    "fallback.unknown_command": "I don't know that command. Send /help to see what I can do.",
    "fallback.not_understood": "I can't handle that message. Send /help to see what I can do.",
    "help.commands": (
        "What I can do:\n"
        "/balance – your points, their value and why they changed\n"
        "/history – everything that happened to your account\n"
        "/team – the members you invited and your team level\n"
        "/invite – your invite link and QR code\n"
        "/shop – buy a package\n"
        "/withdraw – cash out points\n"
        "/transfer CODE POINTS – give points to another member\n"
        "/language – 中文 / English"
    ),
    "command.balance": "Points, value and the last settlement",
    "command.history": "Account history",
    "command.team": "Your team and level",
    "command.invite": "Invite link and QR code",
    "command.shop": "Buy a package",
    "command.withdraw": "Cash out points",
    "command.transfer": "Give points to a member",
    "command.language": "中文 / English",
    "command.help": "What this bot can do",
    # -- start and registration
    "start.welcome": "Welcome to Jifen, {name}!",
    "start.welcome_back": "Welcome back, {name}!",
    "start.referrer_fixed": (
        "You are already registered, so your referrer stays as it is (it never changes)."
    ),
    "start.invited_by": "You were invited by {name}.",
    "start.bad_link": (
        "That invite link looks damaged. You can still register, or ask for a fresh link."
    ),
    "start.unknown_code": (
        "That invite code does not belong to any member. You can still register, "
        "or ask your friend for their link again."
    ),
    "start.share_prompt": (
        "To register, share your phone number with the button below. "
        "One phone number can hold one account."
    ),
    "start.share_button": "📱 Share my phone number",
    "register.first": "Please register first: send /start and share your phone number.",
    "register.not_own": (
        "That is someone else's contact. Please share your own number with the button."
    ),
    "register.already": "You are already registered. Send /help to see what you can do.",
    "register.phone_taken": (
        "This phone number is already registered to another Telegram account. "
        "One phone number can hold only one account; please use that account."
    ),
    "register.referrer_gone": (
        "The invite code you came with is no longer valid, so it was dropped. Open a fresh "
        "invite link, or share your contact again to register without one."
    ),
    "register.bad_phone": "That does not look like a phone number. Please use the button.",
    "register.done": "You are registered! Your invite code is {code}. Send /invite to share it.",
    "register.referred_by": "Your referrer: {name}.",
    # -- invite
    "invite.caption": "Your personal invite link:\n{link}\n\nForward this QR code or the link.",
    # -- balance
    "balance.title": "💰 Your balance",
    "balance.available": "Available: {points:money} points",
    "balance.locked": "Locked (released daily): {points:money} points",
    "balance.withdrawing": "Being withdrawn: {points:money} points",
    "balance.price": (
        "Point value now: ¥{price:money} – your available points are worth ¥{value:money}"
    ),
    "balance.no_price": "Points have no cash value yet (nothing circulates).",
    "balance.frozen": (
        "⚠️ Your account is frozen: withdrawals, transfers and paying with points are paused."
    ),
    "balance.no_settlement": "No settlement has paid you anything yet.",
    "balance.settled_on": "Last settlement ({date}): {points:money} points released",
    "balance.static": "• Static release: {points:money}",
    "balance.share": "• Share, generation {generation}: {points:money}",
    "balance.team": "• Team differential: {points:money}",
    "balance.peer": "• Peer bonus: {points:money}",
    "balance.paid": "• Accelerated release paid from your locked points: {points:money}",
    "balance.forfeited": "• Forfeited by the cap (not enough locked points): {points:money}",
    # -- history
    "history.title": "📜 History (newest first)",
    "history.empty": "Nothing has happened on your account yet.",
    "history.entry": "#{seq} {when} {kind}",
    "history.available": "available {points:+money}",
    "history.locked": "locked {points:+money}",
    "history.withdrawing": "withdrawing {points:+money}",
    "history.newer": "« Newer",
    "history.older": "Older »",
    "history.kind.join": "Registered",
    "history.kind.purchase": "Purchase",
    "history.kind.transfer": "Transfer sent",
    "history.kind.withdrawal_requested": "Withdrawal requested",
    "history.kind.withdrawal_approved": "Withdrawal approved",
    "history.kind.withdrawal_rejected": "Withdrawal rejected",
    "history.kind.withdrawal_paid": "Withdrawal paid out",
    "history.kind.settlement": "Daily settlement",
    "history.kind.adjustment": "Adjustment by an operator",
    "history.kind.freeze": "Account frozen",
    "history.kind.unfreeze": "Account unfrozen",
    # -- team
    "team.title": "👥 Your team",
    "team.direct_count": "Members you invited: {count}",
    "team.invitee": "• {name}",
    "team.more": "… and {count} more",
    "team.size": "Team size (all generations): {count}",
    "team.volume": "Team volume: ¥{amount:money}",
    "team.level": "Level: {level}",
    "team.no_level": "none yet",
    "team.next": "Next level {level}: ¥{amount:money} more team volume ({percent}% there)",
    "team.top": "You are at the highest level.",
    "team.as_of": "Team figures are updated at each daily settlement.",
    # -- shop
    "shop.title": "🛒 Packages (points are granted on the cash you pay):",
    "shop.package": "• ¥{amount:money} → {points:money} points",
    "shop.buy_button": "Buy ¥{amount:money} ({points:money} points)",
    "shop.deduct_button": "¥{amount:money}, pay {points:money} with points",
    "shop.deduction_note": "Points can pay part of a package (1 point = ¥1).",
    "shop.empty": "There is nothing to buy right now.",
    "shop.unavailable": "Payments are not available right now. Please try later.",
    "shop.invoice_title": "Package ¥{amount:money}",
    "shop.invoice_cash": (
        "Package of ¥{amount:money}; you pay ¥{cash:money} and get {granted:money} points."
    ),
    "shop.invoice_points": (
        "Package of ¥{amount:money}: {points:money} points pay part of it, you pay ¥{cash:money}. "
        "Points are granted on the cash."
    ),
    "shop.price_label": "Package",
    "shop.invoice_invalid": "This invoice is no longer valid. Please open /shop again.",
    "shop.payment_unmatched": (
        "We received your payment but could not match it to a package. "
        "An operator will sort it out; no need to pay again."
    ),
    "shop.paid": (
        "✅ Payment received: package ¥{amount:money}, cash ¥{cash:money}, "
        "points used {points:money}.\n"
        "Granted: {granted:money} points."
    ),
    "shop.paid_locked": "They are locked and released at {daily:money} points a day.",
    "shop.points_refused": (
        "Your points could no longer pay (they were spent or your account is frozen), "
        "so the order counts as the cash you paid."
    ),
    # -- withdraw
    "withdraw.ask": "How many points do you want to withdraw?",
    "withdraw.available": "Available: {points:money} points. Reply with a number, or /cancel.",
    "withdraw.placeholder": "e.g. 100",
    "withdraw.not_amount": "Please send a number of points, like 100 or 12.50 (or /cancel).",
    "withdraw.below_minimum": "The minimum withdrawal is {minimum:money} points.",
    "withdraw.preview": (
        "Withdraw {points:money} points:\nValue: ¥{gross:money}\nFee: ¥{fee:money}\n"
        "You receive: ¥{net:money}\n\nConfirm?"
    ),
    "withdraw.cancelled": "Cancelled.",
    "withdraw.requested": (
        "Withdrawal requested (no. {request_id}): {points:money} points for ¥{net:money} "
        "(fee ¥{fee:money}).\n"
        "An operator will review it; I will tell you the result."
    ),
    "withdraw.approved": (
        "✅ Your withdrawal no. {request_id} of {points:money} points was approved. "
        "¥{net:money} will be paid out."
    ),
    "withdraw.rejected": (
        "❌ Your withdrawal no. {request_id} of {points:money} points was rejected; "
        "the points are back in your available balance."
    ),
    # -- transfer
    "transfer.usage": (
        "To give points, send /transfer followed by the member's invite code and the points, "
        "e.g. /transfer AbC123xyz 50"
    ),
    "transfer.not_amount": "Please give the points as a number, like 50 or 12.50.",
    "transfer.unknown_code": "No member has that invite code.",
    "transfer.self": "You cannot give points to yourself.",
    "transfer.preview": "Give {points:money} points to {name} ({code})? This cannot be undone.",
    "transfer.cancelled": "Transfer cancelled.",
    "transfer.done": "✅ Sent {points:money} points.",
    # -- language
    "language.name": "English",
    "language.choose": "Choose your language:",
    "language.set": "Language set to English.",
    # -- operators
    "admin.refused": "Sorry, this command is for operators only.",
    "admin.not_found": "No member found for {target}.",
    "admin.queue_empty": "No withdrawals are waiting for review.",
    "admin.request": (
        "Withdrawal {request_id}\nMember: {member}\nPoints: {points:money}\nNet cash: ¥{net:money} "
        "(fee ¥{fee:money})\nRequested: {when}"
    ),
    "admin.approve": "✅ Approve",
    "admin.reject": "❌ Reject",
    "admin.approved": "Approved {request_id} for {member}.",
    "admin.rejected": "Rejected {request_id} for {member}.",
    "admin.freeze_usage": (
        "Usage: /freeze MEMBER or /unfreeze MEMBER (id, invite code, +phone or Telegram id)"
    ),
    "admin.frozen": "{member} is frozen.",
    "admin.unfrozen": "{member} is no longer frozen.",
    "admin.adjust_usage": "Usage: /adjust MEMBER +POINTS|-POINTS REASON (the reason is required)",
    "admin.adjusted": "Adjusted {member} by {delta:money} points.",
    "admin.lookup_usage": "Usage: /lookup MEMBER (id, invite code, +phone or Telegram id)",
    "admin.member": (
        "Member {member} ({name})\nTelegram: {telegram_id}\nPhone: {phone}\n"
        "Invite code: {code}\nReferrer: {referrer}\nJoined: {joined}\nFrozen: {frozen}\n"
        "Available {available:money} · locked {locked:money} · withdrawing {withdrawing:money} · "
        "payable ¥{payable:money}\nTeam: {team_size} members, "
        "volume ¥{team_volume:money}, level {level}"
    ),
    # -- rejections (one per stable code)
    "reject.invalid_event": "That request is not valid.",
    "reject.invalid_amount": "That amount is not valid.",
    "reject.duplicate_member": "You are already registered.",
    "reject.unknown_referrer": "That invite code does not belong to any member.",
    "reject.unknown_member": "No such member. Please register first with /start.",
    "reject.duplicate_order": "That order was already recorded.",
    "reject.deduction_limit": "That is more points than may pay for this package.",
    "reject.frozen": "Your account is frozen, so this is not possible right now.",
    "reject.insufficient_points": "You do not have enough available points.",
    "reject.below_minimum": "That is below the minimum withdrawal.",
    "reject.no_price": "Points have no cash value yet, so they cannot be withdrawn.",
    "reject.not_found": "That request no longer exists.",
    "reject.not_pending": "That request was already decided.",
    "reject.already_registered": "This account is already registered.",
    "reject.phone_taken": "This phone number is already registered to another account.",
    "reject.busy": "We are very busy right now. Please try again in a moment.",
    "reject.settlement_out_of_order": "That settlement date comes before the last one settled.",
    # -- proof of liabilities (/proof)
    "command.proof": "Check your balance is in the published total",
    "proof.summary": (
        "Your {points:money} points are included in the {total:money} published for {date}."
    ),
    "proof.how": (
        "The file holds your leaf, its path and that day's root. Check it yourself with the "
        "standalone verifier (jifen_proof_verify.py, plain Python) against the root published "
        "on the board."
    ),
    "proof.none": "No proof is published yet. One is published after each daily settlement.",
    "proof.not_included": (
        "You are not in the last published proof ({date}) yet: you joined after it. "
        "Try again after the next settlement."
    ),
    "proof.unavailable": "Your proof cannot be made right now. Please try again later.",
    "reject.effective_date_passed": "A new plan must take effect after the last settled day.",
    "reject.plan_changed": "Another plan version was published meanwhile; please review again.",
    "reject.plan_check_failed": "The plan check does not allow publishing this plan.",
    # -- notices (the notification sender: settlement statements, withdrawal news)
    "notice.settlement.title": "📊 Points settlement for {date}",
    "notice.settlement.credited": "Credited today: {amount} points",
    "notice.settlement.static": "· Daily release: {amount}",
    "notice.settlement.share": "· Share rewards: {amount}",
    "notice.settlement.team": "· Team rewards: {amount}",
    "notice.settlement.peer": "· Peer bonus: {amount}",
    "notice.settlement.forfeited": "· Not paid (above your locked points): {amount}",
    "notice.withdrawal.approved": (
        "✅ Withdrawal approved: {points} points, {net} CNY to be paid "
        "(fee {fee} CNY), arriving next business day."
    ),
    "notice.withdrawal.rejected": (
        "❌ Withdrawal declined: {points} points are back in your account."
    ),
    "notice.withdrawal.reason": "Reason: {reason}",
    "notice.withdrawal.paid": "💰 Withdrawal paid: {net} CNY.",
    # -- plan versions (operators: /plans, /plan, /publish_plan; bot/handlers/plans.py)
    "plan.list_title": "Plan versions (in effect today: v{current}):",
    "plan.list_row": "v{version} · {name} · from {effective_from} · {operator}: {reason}",
    "plan.from_start": "the start",
    "plan.show_usage": "Usage: /plan [VERSION] (the latest when none is given)",
    "plan.show": (
        "Plan v{version} ({name}), in effect from {effective_from}, "
        "published by {operator}: {reason}\n\n{text}"
    ),
    "plan.publish_usage": (
        "Usage: /publish_plan YYYY-MM-DD REASON, then the plan (YAML) on the next lines."
    ),
    "plan.invalid": "That plan cannot be read: {error}",
    "plan.preview": (
        "Publish plan v{version} ({name}) in effect from {effective_from}?\nReason: {reason}"
    ),
    "plan.changes_title": "Changes from v{base}:",
    "plan.change": "· {key}: {before} → {after}",
    "plan.no_changes": "No parameter changes from v{base}.",
    "plan.findings_title": "Plan check:",
    "plan.finding": "· {severity} {code}{where}: {message}",
    "plan.no_findings": "Plan check: nothing found.",
    "plan.acknowledge": "Publishing acknowledges the warnings above.",
    "plan.blocked": "The plan check found errors, so this plan cannot be published.",
    "plan.publish": "📢 Publish",
    "plan.cancelled": "Not published.",
    "plan.published": "Published plan v{version} ({name}), in effect from {effective_from}.",
}
