"""English messages. Keys and ``{placeholders}`` must match :mod:`bot.texts.zh` and
:mod:`bot.texts.zh_hant`."""

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
    "cancel.done": "Cancelled.",
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
        "/withdrawals – your withdrawals and their status\n"
        "/payout – where withdrawals are paid\n"
        "/transfer – give points to another member\n"
        "/rules – how points, tiers and rewards work\n"
        "/language – 简体中文 / 繁體中文 / English\n"
        "/cancel – stop what you started"
    ),
    "help.operators": (
        "Operator commands:\n"
        "/queue – withdrawals waiting for review\n"
        "/lookup MEMBER – a member's account and recent history\n"
        "/adjust MEMBER +POINTS|-POINTS REASON – correct available points\n"
        "/freeze MEMBER, /unfreeze MEMBER – pause or resume withdrawals, transfers and spending\n"
        "MEMBER is a member id, invite code, +phone or Telegram id."
    ),
    "help.support": "Need help? Contact {contact}.",
    "command.balance": "Points, value and the last settlement",
    "command.history": "Account history",
    "command.team": "Your team and level",
    "command.invite": "Invite link and QR code",
    "command.shop": "Buy a package",
    "command.withdraw": "Cash out points",
    "command.withdrawals": "Your withdrawals",
    "command.payout": "Where withdrawals are paid",
    "command.transfer": "Give points to a member",
    "command.rules": "How it works",
    "command.language": "简体中文 / 繁體中文 / English",
    "command.help": "What this bot can do",
    "command.queue": "Withdrawals to review",
    "command.lookup": "Look a member up",
    "command.adjust": "Correct a member's points",
    "command.freeze": "Freeze a member",
    "command.unfreeze": "Unfreeze a member",
    # -- the menu keyboard
    "menu.hint": "Use the menu below, or send /help.",
    "menu.balance": "💰 Balance",
    "menu.history": "📜 History",
    "menu.team": "👥 Team",
    "menu.shop": "🛒 Shop",
    "menu.withdraw": "💸 Withdraw",
    "menu.transfer": "🎁 Transfer",
    "menu.invite": "📨 Invite",
    "menu.rules": "📘 Rules",
    "menu.help": "❓ Help",
    # -- start and registration
    "start.welcome": "Welcome to Jifen, {name}!",
    "start.welcome_back": "Welcome back, {name}!",
    "start.referrer_fixed": (
        "You are already registered, so your referrer stays as it is (it never changes)."
    ),
    "start.offer_transfer": "This is {name}'s invite link. Do you want to give them points?",
    "start.transfer_button": "🎁 Give points to {name}",
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
    "register.already": "You are already registered.",
    "register.phone_taken": (
        "This phone number is already registered to another Telegram account. "
        "One phone number can hold only one account; please use that account."
    ),
    "register.referrer_gone": (
        "The invite code you came with is no longer valid, so it was dropped. Open a fresh "
        "invite link, or share your contact again to register without one."
    ),
    "register.bad_phone": (
        "That does not look like a phone number. Please tap the button below to share yours."
    ),
    "register.done": "You are registered! Your invite code is {code}. Send /invite to share it.",
    "register.referred_by": "Your referrer: {name}.",
    # -- invite
    "invite.caption": "Your personal invite link:\n{link}\n\nForward this QR code or the link.",
    # -- balance
    "balance.title": "💰 Your balance: {points:money} points",
    "balance.available": "• Available: {points:money}",
    "balance.locked": "• Locked, released daily: {points:money}",
    "balance.withdrawing": "• Being withdrawn: {points:money}",
    "balance.commission": "Commission earned (cash): ¥{points:money}",
    "balance.payable": "Cash on its way to you: ¥{points:money}",
    "balance.price": (
        "Point value now: ¥{price:money} – your available points are worth ¥{value:money}"
    ),
    "balance.no_price": "Points have no cash value yet (nothing circulates).",
    "balance.frozen": (
        "⚠️ Your account is frozen: withdrawals, transfers and paying with points are paused."
    ),
    "balance.no_settlement": "No settlement has paid you anything yet.",
    # -- a settlement's breakdown (/balance and the daily notice)
    "settled.header": "📊 Settlement of {date}: {points:+money} points credited",
    "settled.static": "• Daily release of your locked points: {points:+money}",
    "settled.share": "• Share from your generation {generation}: {points:+money}",
    "settled.team": "• Team reward: {points:+money}",
    "settled.peer": "• Peer bonus: {points:+money}",
    "settled.forfeited": "• Above your locked points, not paid: {points:money}",
    "settled.forfeited_why": (
        "  Rewards are paid out of your own locked points. Buy a package to lock more "
        "points and receive more of them."
    ),
    # -- history
    "history.title": "📜 History (newest first)",
    "history.empty": "Nothing has happened on your account yet.",
    "history.entry": "{when} · {what}",
    "history.available": "available {points:+money}",
    "history.locked": "locked {points:+money}",
    "history.withdrawing": "withdrawing {points:+money}",
    "history.commission": "commission ¥{points:+money}",
    "history.note": "“{note}”",
    "history.by": "by {operator}",
    "history.newest": "« Newest",
    "history.older": "Older »",
    "history.transfer_out": "Transfer to {name}",
    "history.transfer_in": "Transfer from {name}",
    "history.commission_in": "Commission on a purchase by {name}",
    "history.purchase": "Purchase: package ¥{amount:money}, paid ¥{cash:money}",
    "history.purchase_points": (
        "Purchase: package ¥{amount:money}, paid ¥{cash:money} and {points:money} points"
    ),
    "history.settlement": "Daily settlement of {date}",
    "history.adjustment": "Adjustment by an operator: {reason}",
    "history.kind.join": "Registered",
    "history.kind.purchase": "Purchase",
    "history.kind.transfer": "Transfer",
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
    "team.direct_count": "Invited by you: {count}",
    "team.invitee": "• {name} · joined {joined} · bought ¥{bought:money} · invited {invited}",
    "team.more": "… and {count} more",
    "team.second": "Invited by them (2nd generation): {count}",
    "team.not_settled": "Team size and volume are counted at each daily settlement (none yet).",
    "team.as_of": "As of the last settlement ({date}), all generations:",
    "team.size": "Team size: {count}",
    "team.volume": "Team volume: ¥{amount:money}",
    "team.level": "Level: {level}",
    "team.no_level": "none yet",
    "team.next": "Next level {level}: ¥{amount:money} more team volume ({percent}% there)",
    "team.top": "You are at the highest level.",
    "level.bronze": "Bronze",
    "level.silver": "Silver",
    "level.gold": "Gold",
    "level.platinum": "Platinum",
    "level.diamond": "Diamond",
    "level.star": "Star",
    "level.king": "King",
    # -- rules
    "rules.title": "📘 How it works",
    "rules.tiers": "Packages: points are granted on the cash you pay, by tier:",
    "rules.tier": "• from ¥{minimum:money} in cash: × {multiplier} points",
    "rules.ratio": "Packages: each ¥1.00 in cash grants {points:money} points.",
    "rules.daily": (
        "Granted points are locked and released every day at {rate} of the cash paid, "
        "until all are out."
    ),
    "rules.immediate": "Granted points are available at once.",
    "rules.generation": "generation {generation}: {rate}",
    "rules.share": "Share of what your invitees release each day: {rates}.",
    "rules.levels": "Team levels by team volume (all generations), with their team reward:",
    "rules.level": "• {name}: from ¥{minimum:money}, {rate}",
    "rules.peer": "Peer bonus: {rate} when an invitee reaches your level.",
    "rules.cap": (
        "Share and team rewards are paid out of your own locked points: above them, "
        "nothing is paid. Buying packages keeps points locked."
    ),
    "rules.price_fixed": "Point value: 1 point = ¥{price:money}.",
    "rules.price_reserve": (
        "Point value: the reserve divided by the points in circulation, now ¥{price:money}."
    ),
    "rules.price_reserve_none": "Point value: set by the reserve once points circulate.",
    "rules.deduction": (
        "Points can pay up to {rate} of a package (1 point = ¥1); tiers count the cash only."
    ),
    "rules.commission": "Commission on your invitees' purchases: {rates}.",
    "rules.withdrawal": (
        "Withdrawals: fee {rate}, at least {minimum:money} points; reviewed by an operator "
        "and paid the next business day."
    ),
    # -- shop
    "shop.title": "🛒 Packages (points are granted on the cash you pay):",
    "shop.package": "• ¥{amount:money} → {points:money} points",
    "shop.split": (
        "   with {points:money} of your points: pay ¥{cash:money}, get {granted:money} points"
    ),
    "shop.split_drops": (
        "   ⚠️ with {points:money} of your points you pay ¥{cash:money}, below the "
        "¥{minimum:money} tier: only {granted:money} points"
    ),
    "shop.buy_button": "¥{amount:money} → {points:money} points",
    "shop.split_button": "¥{amount:money} with {points:money} pts → {granted:money} points",
    "shop.split_button_drops": "⚠️ ¥{amount:money} with {points:money} pts → only {granted:money}",
    "shop.deduction_note": "Points can pay part of a package (1 point = ¥1).",
    "shop.empty": "There is nothing to buy right now.",
    "shop.unavailable": "Payments are not available right now. Please try later.",
    "shop.invoice_title": "Package ¥{amount:money}",
    "shop.invoice_cash": (
        "Package ¥{amount:money}: you pay ¥{cash:money} and get {granted:money} points."
    ),
    "shop.invoice_points": (
        "Package ¥{amount:money}: {points:money} points pay part of it, you pay ¥{cash:money} "
        "and get {granted:money} points."
    ),
    "shop.invoice_drops": (
        "Package ¥{amount:money}: {points:money} points pay part, you pay ¥{cash:money}. "
        "⚠️ That cash is below the ¥{minimum:money} tier: you get {granted:money} points, "
        "not the {full:money} of paying all in cash."
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
    # -- payout account
    "payout.none": "none yet",
    "payout.account": "{method} {number} ({name})",
    "payout.method.bank": "Bank card",
    "payout.method.alipay": "Alipay",
    "payout.method.wechat": "WeChat",
    "payout.choose": "Where should your withdrawals be paid?",
    "payout.none_yet": "You have no payout account yet.",
    "payout.changing": "Choose the new payout account.",
    "payout.current": "Withdrawals are paid to: {account}",
    "payout.change": "✏️ Change",
    "payout.ask.bank": (
        "{method}: send the account holder's name and the card number in one message, "
        "e.g. Zhang San 6222 0212 3456 7890 (or /cancel)."
    ),
    "payout.ask.alipay": (
        "{method}: send the account holder's name and the Alipay phone number or e-mail, "
        "e.g. Zhang San 13800000000 (or /cancel)."
    ),
    "payout.ask.wechat": (
        "{method}: send the account holder's name and the WeChat ID or phone number, "
        "e.g. Zhang San zhangsan_88 (or /cancel)."
    ),
    "payout.bad.bank": (
        "Please send the name and a card number of 12–19 digits, e.g. Zhang San 6222 0212 3456 78"
        "90."
    ),
    "payout.bad.alipay": (
        "Please send the name and an Alipay phone number or e-mail, e.g. Zhang San 13800000000."
    ),
    "payout.bad.wechat": (
        "Please send the name and a WeChat ID (6–20 letters, digits, _ or -, starting with a "
        "letter) or phone number."
    ),
    "payout.saved": "Saved: {account}. Change it any time with /payout.",
    # -- withdraw
    "withdraw.account_first": "First, tell me where to pay you.",
    "withdraw.ask": "How many points do you want to withdraw?",
    "withdraw.available": "Available: {points:money} points. Reply with a number, or /cancel.",
    "withdraw.paid_to": "Paid to: {account} (/payout to change)",
    "withdraw.placeholder": "e.g. 100",
    "withdraw.not_amount": "Please send a number of points, like 100 or 12.50 (or /cancel).",
    "withdraw.below_minimum": (
        "The minimum withdrawal is {minimum:money} points. How many do you want to withdraw?"
    ),
    "withdraw.insufficient": (
        "You have {points:money} points available. How many do you want to withdraw?"
    ),
    "withdraw.preview": (
        "Withdraw {points:money} points:\nValue: ¥{gross:money}\nFee: ¥{fee:money}\n"
        "You receive: ¥{net:money}\nPaid to: {account}\n\nConfirm?"
    ),
    "withdraw.cancelled": "Cancelled.",
    "withdraw.requested": (
        "Withdrawal {number} requested: {points:money} points for ¥{net:money} "
        "(fee ¥{fee:money}).\n"
        "An operator will review it; I will tell you the result. /withdrawals shows its status."
    ),
    "withdraw.approved": (
        "✅ Your withdrawal {request} of {points:money} points was approved: ¥{net:money} "
        "will be paid to {account} on the next business day."
    ),
    "withdraw.rejected": (
        "❌ Your withdrawal {request} of {points:money} points was rejected: {reason}\n"
        "The points are back in your available balance."
    ),
    "withdrawals.empty": "You have not requested any withdrawal yet.",
    "withdrawals.title": "💸 Your withdrawals (newest first)",
    "withdrawals.line": "{number} · {date} · {points:money} points → ¥{net:money} · {status}",
    "withdrawals.status.pending": "⏳ waiting for review",
    "withdrawals.status.approved": "✅ approved, paid next business day",
    "withdrawals.status.batched": "🏦 being paid",
    "withdrawals.status.paid": "💰 paid",
    "withdrawals.status.rejected": "❌ rejected",
    # -- transfer
    "transfer.choose": (
        "🎁 Who do you want to give points to? (You have {points:money} available.)\n"
        "Tap your upline or an invitee below, or send their @username, share their contact "
        "(📎 → Contact), or paste their invite link or code. /cancel to stop."
    ),
    "transfer.upline_button": "⬆️ {name} (your upline)",
    "transfer.team_button": "👤 {name}",
    "transfer.unknown_recipient": (
        "I can't find a member for that. Send an @username, an invite link or code, or share "
        "their contact (or /cancel)."
    ),
    "transfer.contact_unknown": "That contact is not a registered member.",
    "transfer.self": "You cannot give points to yourself.",
    "transfer.ask_amount": (
        "How many points for {name}? You have {points:money} available.\n"
        "You can add a note after the number, e.g. 50 thanks for lunch."
    ),
    "transfer.placeholder": "e.g. 50 thanks!",
    "transfer.not_amount": "Please give the points as a number, like 50 or 12.50 (or /cancel).",
    "transfer.insufficient": (
        "You have {points:money} points available. How many do you want to give?"
    ),
    "transfer.preview": (
        "Give {points:money} points to {name}?\n"
        "You will have {left:money} available. This cannot be undone."
    ),
    "transfer.note": "Note: {note}",
    "transfer.cancelled": "Transfer cancelled.",
    "transfer.done": "✅ Sent {points:money} points to {name}.",
    "transfer.received": "🎁 {name} sent you {points:money} points.",
    # -- language
    "language.name": "English",
    "language.choose": "Choose your language:",
    "language.set": "Language set to English.",
    # -- operators
    "admin.refused": "Sorry, this command is for operators only.",
    "admin.not_found": "No member found for {target}.",
    "admin.queue_empty": "No withdrawals are waiting for review.",
    "admin.queue_title": "🧾 Withdrawals waiting for review (page {page}, oldest first)",
    "admin.request": (
        "{number}. {request} · {when}\n{name} · {phone}\n"
        "{points:money} points → ¥{net:money} (fee ¥{fee:money})\nTo: {account}"
    ),
    "admin.approve": "✅ {number}",
    "admin.reject": "❌ {number}",
    "admin.approve_all": "✅ Approve all {count} on this page",
    "admin.previous": "« Previous",
    "admin.next": "Next »",
    "admin.decided.approved": "   → approved by {by}",
    "admin.decided.batched": "   → approved by {by}, in a payout batch",
    "admin.decided.paid": "   → paid",
    "admin.decided.rejected": "   → rejected by {by}",
    "admin.decided.pending": "   → waiting",
    "admin.approved": "Approved {request}.",
    "admin.approved_all": "Approved {count}.",
    "admin.reason_ask": (
        "Why reject {request} ({points:money} points)? The member will read your reason. "
        "Send it, or /cancel."
    ),
    "admin.reason_ask_again": "Please send a reason (or /cancel).",
    "admin.rejected": "Rejected {request}: {reason}",
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
        "payable ¥{payable:money}\nPayout account: {account}\nTeam: {team_size} members, "
        "volume ¥{team_volume:money}, level {level}"
    ),
    "admin.recent": "Recent history:",
    "ops.requests_waiting": "💸 New withdrawal requests: {count} waiting for review. /queue",
    # -- notices to members about changes made by someone else
    "notice.frozen": (
        "⚠️ An operator froze your account: withdrawals, transfers and paying with points "
        "are paused."
    ),
    "notice.unfrozen": "✅ Your account is no longer frozen.",
    "notice.adjusted_up": "➕ An operator added {points:money} points to your account: {reason}",
    "notice.adjusted_down": (
        "➖ An operator removed {points:money} points from your account: {reason}"
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
    # -- notices (the notification sender: withdrawal news, operator alerts)
    "notice.withdrawal.approved": (
        "✅ Withdrawal {number} approved: {points:money} points, ¥{net:money} to be paid "
        "(fee ¥{fee:money}), arriving next business day."
    ),
    "notice.withdrawal.rejected": (
        "❌ Withdrawal {number} declined: {points:money} points are back in your account."
    ),
    "notice.withdrawal.reason": "Reason: {reason}",
    "notice.withdrawal.paid": "💰 Withdrawal {number} paid: ¥{net:money}.",
    # issue 16: the weekly digest (statements not sent the day they happened)
    "notice.digest.header": "🗓 Your week, {first} – {last}: {points:+money} points credited",
    "notice.digest.days": "• Settlements with a release: {days}",
    "notice.digest.static": "• Daily release of your locked points: {points:+money}",
    "notice.digest.paid": "• Shares and team rewards: {points:+money}",
    "notice.digest.pools": "• Dividend pools: {points:+money}",
    "notice.digest.forfeited": "• Above your locked points, not paid: {points:money}",
    "notice.digest.history_app": "Every daily statement is in the Mini App: {url}",
    "notice.digest.history_bot": "Every daily statement: /history",
    "notice.operator.settlement_blocked": (
        "⚠️ The settlement of {date} did not run (blocked by {detail}). Members are not credited "
        "until "
        "it is resolved (docs/operations.md)."
    ),
    "notice.operator.settlement_failed": (
        "🚨 The settlement of {date} failed: {detail}. It is retried at the next run; see the logs."
    ),
    # -- plans (operators) and proof of liabilities
    "command.proof": ("Check your balance is in the published total"),
    "proof.summary": (
        "Your {points:money} points are included in the {total:money} published for {date}."
    ),
    "proof.how": (
        "The file holds your leaf, its path and that day's root. Check it yourself with the "
        "standalone verifier (jifen_proof_verify.py, plain Python) against the root published "
        "on the board."
    ),
    "proof.none": ("No proof is published yet. One is published after each daily settlement."),
    "proof.not_included": (
        "You are not in the last published proof ({date}) yet: you joined after it. "
        "Try again after the next settlement."
    ),
    "proof.unavailable": ("Your proof cannot be made right now. Please try again later."),
    "webapp.open": "Open the app",
    "reject.effective_date_passed": ("A new plan must take effect after the last settled day."),
    "reject.plan_changed": ("Another plan version was published meanwhile; please review again."),
    "reject.plan_check_failed": ("The plan check does not allow publishing this plan."),
    "plan.list_title": ("Plan versions (in effect today: v{current}):"),
    "plan.list_row": ("v{version} · {name} · from {effective_from} · {operator}: {reason}"),
    "plan.from_start": ("the start"),
    "plan.show_usage": ("Usage: /plan [VERSION] (the latest when none is given)"),
    "plan.show": (
        "Plan v{version} ({name}), in effect from {effective_from}, "
        "published by {operator}: {reason}\n\n{text}"
    ),
    "plan.publish_usage": (
        "Usage: /publish_plan YYYY-MM-DD REASON, then the plan (YAML) on the next lines."
    ),
    "plan.invalid": ("That plan cannot be read: {error}"),
    "plan.preview": (
        "Publish plan v{version} ({name}) in effect from {effective_from}?\nReason: {reason}"
    ),
    "plan.changes_title": ("Changes from v{base}:"),
    "plan.change": ("· {key}: {before} → {after}"),
    "plan.no_changes": ("No parameter changes from v{base}."),
    "plan.findings_title": ("Plan check:"),
    "plan.finding": ("· {severity} {code}{where}: {message}"),
    "plan.no_findings": ("Plan check: nothing found."),
    "plan.acknowledge": ("Publishing acknowledges the warnings above."),
    "plan.blocked": ("The plan check found errors, so this plan cannot be published."),
    "plan.publish": ("📢 Publish"),
    "plan.cancelled": ("Not published."),
    "plan.published": ("Published plan v{version} ({name}), in effect from {effective_from}."),
    # -- engagement programs (issue 13): lottery, staking, catalog, roles
    "reject.program_off": "This program is not running.",
    "reject.not_eligible": "You are not eligible for this yet.",
    "reject.invalid_term": "That term is not offered.",
    "reject.no_entry": "That draw is no longer waiting in the queue.",
    "reject.no_stake": "That stake is no longer open.",
    "reject.unknown_item": "That item is not in the catalog.",
    "reject.out_of_stock": "That item is out of stock.",
    "reject.limit_reached": "You have already redeemed this item as often as allowed.",
    "reject.month_out_of_order": "Months close in order; a later month is already closed.",
    "reject.real_name_required": "Please add your payout account with your real name first.",
    "history.kind.draw": "Lottery draw",
    "history.kind.lottery_exit": "Left the lottery queue",
    "history.kind.stake": "Points staked",
    "history.kind.unstake": "Stake ended early",
    "history.kind.redeem": "Catalog redemption",
    "history.kind.role": "Role changed",
    "history.kind.month_close": "Monthly commissions",
    "menu.programs": "🎯 Programs",
    "command.programs": "Lottery, staking and the catalog",
    "programs.title": "🎯 What you can join:",
    "programs.none": "No programs are running right now.",
    "programs.lottery": "🎟 Lottery",
    "programs.staking": "⛓ Staking",
    "programs.catalog": "🎁 Catalog",
    "lottery.title": "🎟 Points lottery — pool: {pool:money} points, {draws} draws so far",
    "lottery.rules": (
        "A draw costs {cost:money} points (you need {minimum:money} available). When {every}"
        " more draws have been made after yours and the pool holds {prize:money}, the oldest"
        " waiting draw wins {prize:money} points."
    ),
    "lottery.free": "You have {count} free draws from members you invited.",
    "lottery.entry": "• Your draw #{entry} is waiting (paid {paid:money})",
    "lottery.no_entries": "You have no waiting draws.",
    "lottery.draw_button": "🎟 Draw",
    "lottery.exit_button": "↩️ Leave with #{entry}",
    "lottery.draw_preview": "Draw for {cost:money} points?",
    "lottery.draw_preview_free": "Use one of your free draws?",
    "lottery.exit_preview": (
        "Leave the queue with draw #{entry}? You get {refund:money} spare points back"
        " (they pay for orders and the catalog only)."
    ),
    "lottery.drawn": "🎟 Your draw #{entry} is in the queue. The pool holds {pool:money} points.",
    "lottery.won": "🎉 Draw #{entry} won {prize:money} points.",
    "lottery.exited": "↩️ Draw #{entry} left the queue: {refund:money} spare points credited.",
    "lottery.cancelled": "Nothing changed.",
    "lottery.notice_won": "🎉 Your lottery draw #{entry} won {prize:money} points!",
    "staking.title": "⛓ Staking — {staked:money} points staked",
    "staking.stake": "• #{stake}: {points:money} points, {left} settlements to go, bonus {rate}",
    "staking.none": "You have no open stakes.",
    "staking.usage": (
        "Stake with /stake POINTS TERM (terms: {terms} settlements). Your next stake earns"
        " {rate} at maturity."
    ),
    "staking.preview": (
        "Stake {points:money} points for {term} settlements? At maturity they come back with"
        " a {rate} bonus; ending early costs {penalty} of them."
    ),
    "staking.staked": "⛓ Stake #{stake} opened: {points:money} points for {term} settlements.",
    "staking.end_button": "⏹ End #{stake} early",
    "staking.end_preview": (
        "End stake #{stake} now? The points come back less the early-exit penalty, without a bonus."
    ),
    "staking.ended": (
        "⏹ Stake #{stake} ended: {returned:money} points back, {penalty:money} penalty."
    ),
    "staking.cancelled": "Nothing changed.",
    "catalog.title": "🎁 Catalog — you can spend {spare:money} spare + {available:money} points",
    "catalog.item": "• {name}: {price:money} points ({stock} left)",
    "catalog.empty": "Nothing to redeem right now.",
    "catalog.button": "{name} · {price:money}",
    "catalog.preview": "Redeem {name} for {price:money} points? Spare points pay first.",
    "catalog.redeemed": "🎁 {name} redeemed for {price:money} points. Your voucher code: {code}",
    "catalog.cancelled": "Nothing redeemed.",
    "catalog.list_usage": "Usage: /list_item ITEM PRICE STOCK LIMIT NAME (LIMIT 0: no limit)",
    "catalog.listed": "Listed {item}: {name}, {price:money} points, {stock} in stock.",
    "catalog.redemptions_title": "Latest redemptions:",
    "catalog.redemption": "{item} #{number} · {member} · {price:money} · {code}",
    "catalog.no_redemptions": "No redemptions yet.",
    "roles.promote_usage": "Usage: /promote MEMBER member|promoter|partner",
    "roles.promoted": "{member} is now: {role}.",
    "roles.member": "member",
    "roles.promoter": "promoter",
    "roles.partner": "partner",
    "command.list_item": "List a catalog item",
    "command.redemptions": "Latest catalog redemptions",
    "command.promote": "Set a member's role",
    "history.spare": "spare {points:+money}",
    "history.staked": "staked {points:+money}",
    # economics (issue 12): refunds and debt
    "reject.unknown_order": "There is no such order.",
    "reject.already_refunded": "That order was already refunded.",
    "reject.refund_window_closed": "That order can no longer be refunded.",
    "reject.in_debt": "You owe points from a refunded order; new points repay it first.",
    "history.kind.refund": "Order refunded",
    "economics.refund_title": "Refund of order {order}: ¥{cash:money}",
    "economics.debt": (
        "You owe {points:money} points from a refunded order; new points repay it first."
    ),
    "economics.refunded": (
        "Refunded {order}: {member} gets {points:money} points "
        "back, {clawed:money} taken back, owes {debt:money}."
    ),
    "economics.refund_usage": "Usage: /refund <order id>",
    "economics.lookup_debt": (
        "Owes from refunds: {points:money} points, ¥{commission:money} commission"
    ),
    "history.kind.gift": "Locked points given",
    "economics.gift_usage": ("Usage: /gift <invite code, invite link or @username>"),
    "economics.gift_none": ("You have no locked points to give."),
    "economics.gift_preview": (
        "Give your oldest locked points — {points:money}, releasing {daily:money} a day — "
        "to {name}?\nTheir releases go on as yours would have. This cannot be undone."
    ),
    "economics.gift_cancelled": ("Gift cancelled."),
    "economics.gift_done": ("✅ Gave {points:money} locked points to {name}."),
    "economics.gift_received": (
        "🎁 {name} gave you {points:money} locked points; they release to you daily."
    ),
    "command.gift": "Give your oldest locked grant to a member",
    "command.refund": "Refund an order (operators)",
    "balance.staked": "• Staked, back at maturity: {points:money}",
    "balance.spare": "• Spare (orders and the catalog only): {points:money}",
    "history.kind.region": "Region changed",
    "command.region": "Set or clear a member's region (pools)",
    "admin.region_usage": "Usage: /region MEMBER REGION (or - to clear)",
    "admin.region_set": "{member}'s region is now {region}.",
    "admin.region_cleared": "{member} has no region now.",
}
