"""简体中文消息。键和 ``{占位符}`` 必须与 :mod:`bot.texts.en`、:mod:`bot.texts.zh_hant` 一致。"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # -- 通用
    "someone": "一位会员",
    "yes": "是",
    "no": "否",
    "button.confirm": "✅ 确认",
    "button.cancel": "✖️ 取消",
    "button.expired": "此按钮已失效，请重新开始。",
    "error.generic": "抱歉，系统出了点问题，请稍后再试。",
    "cancel.nothing": "当前没有可取消的操作。",
    "cancel.done": "已取消。",
    "fallback.unknown_command": "没有这个命令。发送 /help 查看可用功能。",
    "fallback.not_understood": "暂时无法处理这类消息。发送 /help 查看可用功能。",
    "help.commands": (
        "可用功能：\n"
        "/balance – 积分余额、价值及变动原因\n"
        "/history – 账户明细\n"
        "/team – 我邀请的会员与团队等级\n"
        "/invite – 我的邀请链接和二维码\n"
        "/shop – 购买套餐\n"
        "/withdraw – 积分提现\n"
        "/withdrawals – 我的提现记录与状态\n"
        "/payout – 提现收款账户\n"
        "/transfer – 转赠积分给其他会员\n"
        "/rules – 积分、档位与奖励规则\n"
        "/language – 简体中文 / 繁體中文 / English\n"
        "/cancel – 取消当前操作"
    ),
    "help.operators": (
        "运营命令：\n"
        "/queue – 待审核的提现申请\n"
        "/lookup 会员 – 会员账户与最近明细\n"
        "/adjust 会员 +积分|-积分 原因 – 调整可用积分\n"
        "/freeze 会员、/unfreeze 会员 – 暂停或恢复提现、转赠和积分抵扣\n"
        "会员可以是会员号、邀请码、+手机号或 Telegram ID。"
    ),
    "help.support": "需要帮助？请联系 {contact}。",
    "command.balance": "积分余额、价值与最近结算",
    "command.history": "账户明细",
    "command.team": "我的团队与等级",
    "command.invite": "邀请链接和二维码",
    "command.shop": "购买套餐",
    "command.withdraw": "积分提现",
    "command.withdrawals": "我的提现记录",
    "command.payout": "提现收款账户",
    "command.transfer": "转赠积分",
    "command.rules": "规则说明",
    "command.language": "简体中文 / 繁體中文 / English",
    "command.help": "功能说明",
    "command.queue": "待审核提现",
    "command.lookup": "查询会员",
    "command.adjust": "调整会员积分",
    "command.freeze": "冻结会员",
    "command.unfreeze": "解冻会员",
    # -- 菜单键盘
    "menu.hint": "请使用下方菜单，或发送 /help。",
    "menu.balance": "💰 余额",
    "menu.history": "📜 明细",
    "menu.team": "👥 团队",
    "menu.shop": "🛒 商城",
    "menu.withdraw": "💸 提现",
    "menu.transfer": "🎁 转赠",
    "menu.invite": "📨 邀请",
    "menu.rules": "📘 规则",
    "menu.help": "❓ 帮助",
    # -- 开始与注册
    "start.welcome": "欢迎来到积分平台，{name}！",
    "start.welcome_back": "欢迎回来，{name}！",
    "start.referrer_fixed": "您已注册，推荐人在注册时已确定，不会更改。",
    "start.offer_transfer": "这是 {name} 的邀请链接。要转赠积分给 TA 吗？",
    "start.transfer_button": "🎁 转赠积分给 {name}",
    "start.invited_by": "您的邀请人是 {name}。",
    "start.bad_link": "这个邀请链接不完整。您仍可直接注册，或请朋友重新发送链接。",
    "start.unknown_code": "这个邀请码不属于任何会员。您仍可直接注册，或请朋友重新发送链接。",
    "start.share_prompt": "请点击下方按钮分享您的手机号完成注册。一个手机号只能注册一个账户。",
    "start.share_button": "📱 分享我的手机号",
    "register.first": "请先注册：发送 /start 并分享您的手机号。",
    "register.not_own": "这是别人的联系人。请用下方按钮分享您本人的手机号。",
    "register.already": "您已经注册过了。",
    "register.phone_taken": (
        "该手机号已绑定另一个 Telegram 账户。一个手机号只能注册一个账户，请使用原账户。"
    ),
    "register.referrer_gone": (
        "您使用的邀请码已失效，已为您清除。请打开新的邀请链接，或再次分享手机号直接注册。"
    ),
    "register.bad_phone": "这看起来不是手机号。请点击下方按钮分享您的手机号。",
    "register.done": "注册成功！您的邀请码是 {code}。发送 /invite 分享给朋友。",
    "register.referred_by": "您的推荐人：{name}。",
    # -- 邀请
    "invite.caption": "您的专属邀请链接：\n{link}\n\n转发此二维码或链接即可邀请好友。",
    # -- 余额
    "balance.title": "💰 我的积分：{points:money} 积分",
    "balance.available": "• 可用：{points:money}",
    "balance.locked": "• 锁定（每日释放）：{points:money}",
    "balance.withdrawing": "• 提现中：{points:money}",
    "balance.commission": "已得佣金（现金）：¥{points:money}",
    "balance.payable": "待打款现金：¥{points:money}",
    "balance.price": "当前积分价值：¥{price:money}，您的可用积分价值 ¥{value:money}",
    "balance.no_price": "积分暂无现金价值（尚无流通积分）。",
    "balance.frozen": "⚠️ 您的账户已冻结：暂停提现、转赠及积分抵扣。",
    "balance.no_settlement": "暂无结算记录。",
    # -- 结算明细（/balance 与每日通知）
    "settled.header": "📊 {date} 结算：入账 {points:+money} 积分",
    "settled.static": "• 锁定积分每日释放：{points:+money}",
    "settled.share": "• 第 {generation} 代分享收益：{points:+money}",
    "settled.team": "• 团队奖励：{points:+money}",
    "settled.peer": "• 平级奖：{points:+money}",
    "settled.forfeited": "• 超出锁定积分，未发放：{points:money}",
    "settled.forfeited_why": (
        "  奖励从您自己的锁定积分中发放。购买套餐锁定更多积分，即可领取更多奖励。"
    ),
    # -- 明细
    "history.title": "📜 账户明细（最新在前）",
    "history.empty": "您的账户还没有任何记录。",
    "history.entry": "{when} · {what}",
    "history.available": "可用 {points:+money}",
    "history.locked": "锁定 {points:+money}",
    "history.withdrawing": "提现中 {points:+money}",
    "history.commission": "佣金 ¥{points:+money}",
    "history.note": "“{note}”",
    "history.by": "操作人 {operator}",
    "history.newest": "« 最新",
    "history.older": "较早 »",
    "history.transfer_out": "转赠给 {name}",
    "history.transfer_in": "收到 {name} 的转赠",
    "history.commission_in": "{name} 购买的佣金",
    "history.purchase": "购买：套餐 ¥{amount:money}，实付 ¥{cash:money}",
    "history.purchase_points": (
        "购买：套餐 ¥{amount:money}，实付 ¥{cash:money}，积分抵扣 {points:money}"
    ),
    "history.settlement": "{date} 每日结算",
    "history.adjustment": "运营调整：{reason}",
    "history.kind.join": "注册",
    "history.kind.purchase": "购买",
    "history.kind.transfer": "转赠",
    "history.kind.withdrawal_requested": "申请提现",
    "history.kind.withdrawal_approved": "提现已批准",
    "history.kind.withdrawal_rejected": "提现被驳回",
    "history.kind.withdrawal_paid": "提现已打款",
    "history.kind.settlement": "每日结算",
    "history.kind.adjustment": "运营调整",
    "history.kind.freeze": "账户冻结",
    "history.kind.unfreeze": "账户解冻",
    # -- 团队
    "team.title": "👥 我的团队",
    "team.direct_count": "我直接邀请：{count} 人",
    "team.invitee": "• {name} · {joined} 加入 · 消费 ¥{bought:money} · 邀请 {invited} 人",
    "team.more": "……另有 {count} 人",
    "team.second": "他们邀请的（第 2 代）：{count} 人",
    "team.not_settled": "团队人数和业绩在每日结算时统计（暂无结算）。",
    "team.as_of": "截至最近一次结算（{date}），所有代：",
    "team.size": "团队人数：{count}",
    "team.volume": "团队业绩：¥{amount:money}",
    "team.level": "等级：{level}",
    "team.no_level": "暂无",
    "team.next": "下一等级 {level}：还差团队业绩 ¥{amount:money}（已完成 {percent}%）",
    "team.top": "您已达到最高等级。",
    "level.bronze": "青铜",
    "level.silver": "白银",
    "level.gold": "黄金",
    "level.platinum": "铂金",
    "level.diamond": "钻石",
    "level.star": "星耀",
    "level.king": "王者",
    # -- 规则
    "rules.title": "📘 规则说明",
    "rules.tiers": "套餐：按实付现金所在档位赠送积分：",
    "rules.tier": "• 实付 ¥{minimum:money} 起：× {multiplier} 倍积分",
    "rules.ratio": "套餐：每实付 ¥1.00 赠送 {points:money} 积分。",
    "rules.daily": "赠送的积分先锁定，每天按实付现金的 {rate} 释放，直至全部释放。",
    "rules.immediate": "赠送的积分立即可用。",
    "rules.generation": "第 {generation} 代 {rate}",
    "rules.share": "分享收益：您邀请的会员每日释放积分时，您获得其中的 {rates}。",
    "rules.levels": "团队等级（按所有代的团队业绩）及团队奖励比例：",
    "rules.level": "• {name}：¥{minimum:money} 起，{rate}",
    "rules.peer": "平级奖：下级达到与您相同等级时，您获得 {rate}。",
    "rules.cap": "分享和团队奖励从您自己的锁定积分中发放，超出部分不发放。购买套餐可保持锁定积分。",
    "rules.price_fixed": "积分价值：1 积分 = ¥{price:money}。",
    "rules.price_reserve": "积分价值：储备金 ÷ 流通积分，当前 ¥{price:money}。",
    "rules.price_reserve_none": "积分价值：有流通积分后由储备金决定。",
    "rules.deduction": "积分最多可抵扣套餐金额的 {rate}（1 积分 = ¥1）；档位只按实付现金计算。",
    "rules.commission": "下级购买佣金：{rates}。",
    "rules.withdrawal": (
        "提现：手续费 {rate}，最低 {minimum:money} 积分；运营审核后于下一个工作日打款。"
    ),
    # -- 商城
    "shop.title": "🛒 套餐（按实付现金赠送积分）：",
    "shop.package": "• ¥{amount:money} → {points:money} 积分",
    "shop.split": "   用 {points:money} 积分抵扣：实付 ¥{cash:money}，获得 {granted:money} 积分",
    "shop.split_drops": (
        "   ⚠️ 用 {points:money} 积分抵扣则实付 ¥{cash:money}，低于 ¥{minimum:money} 档位："
        "只获得 {granted:money} 积分"
    ),
    "shop.buy_button": "¥{amount:money} → {points:money} 积分",
    "shop.split_button": "¥{amount:money} 用 {points:money} 积分抵扣 → {granted:money} 积分",
    "shop.split_button_drops": "⚠️ ¥{amount:money} 用 {points:money} 积分抵扣 → 仅 {granted:money}",
    "shop.deduction_note": "积分可抵扣部分金额（1 积分 = ¥1）。",
    "shop.empty": "暂无可购买的套餐。",
    "shop.unavailable": "支付功能暂不可用，请稍后再试。",
    "shop.invoice_title": "套餐 ¥{amount:money}",
    "shop.invoice_cash": "¥{amount:money} 套餐：实付 ¥{cash:money}，获得 {granted:money} 积分。",
    "shop.invoice_points": (
        "¥{amount:money} 套餐：{points:money} 积分抵扣，实付 ¥{cash:money}，"
        "获得 {granted:money} 积分。"
    ),
    "shop.invoice_drops": (
        "¥{amount:money} 套餐：{points:money} 积分抵扣，实付 ¥{cash:money}。"
        "⚠️ 实付低于 ¥{minimum:money} 档位：只获得 {granted:money} 积分，"
        "全额现金支付可获得 {full:money} 积分。"
    ),
    "shop.price_label": "套餐",
    "shop.invoice_invalid": "该账单已失效，请重新打开 /shop。",
    "shop.payment_unmatched": (
        "我们已收到您的付款，但无法匹配到套餐。运营人员会处理，请勿重复付款。"
    ),
    "shop.paid": (
        "✅ 付款成功：套餐 ¥{amount:money}，实付 ¥{cash:money}，使用积分 {points:money}。\n"
        "获得 {granted:money} 积分。"
    ),
    "shop.paid_locked": "积分已锁定，每日释放 {daily:money} 积分。",
    "shop.points_refused": "您的积分已无法抵扣（已被使用或账户已冻结），本单按实付现金计算。",
    # -- 收款账户
    "payout.none": "尚未设置",
    "payout.account": "{method} {number}（{name}）",
    "payout.method.bank": "银行卡",
    "payout.method.alipay": "支付宝",
    "payout.method.wechat": "微信",
    "payout.choose": "提现打款到哪里？",
    "payout.none_yet": "您还没有设置收款账户。",
    "payout.changing": "请选择新的收款账户。",
    "payout.current": "提现打款到：{account}",
    "payout.change": "✏️ 修改",
    "payout.ask.bank": (
        "{method}：请在一条消息中发送开户人姓名和卡号，例如 张三 6222 0212 3456 7890"
        "（或发送 /cancel）。"
    ),
    "payout.ask.alipay": (
        "{method}：请发送账户姓名和支付宝手机号或邮箱，例如 张三 13800000000（或发送 /cancel）。"
    ),
    "payout.ask.wechat": (
        "{method}：请发送账户姓名和微信号或手机号，例如 张三 zhangsan_88（或发送 /cancel）。"
    ),
    "payout.bad.bank": "请发送姓名和 12–19 位卡号，例如 张三 6222 0212 3456 7890。",
    "payout.bad.alipay": "请发送姓名和支付宝手机号或邮箱，例如 张三 13800000000。",
    "payout.bad.wechat": "请发送姓名和微信号（6–20 位字母、数字、_ 或 -，以字母开头）或手机号。",
    "payout.saved": "已保存：{account}。随时可用 /payout 修改。",
    # -- 提现
    "withdraw.account_first": "请先告诉我提现打款到哪里。",
    "withdraw.ask": "您要提现多少积分？",
    "withdraw.available": "可用：{points:money} 积分。请回复数字，或发送 /cancel 取消。",
    "withdraw.paid_to": "打款到：{account}（/payout 修改）",
    "withdraw.placeholder": "例如 100",
    "withdraw.not_amount": "请输入积分数量，例如 100 或 12.50（或发送 /cancel）。",
    "withdraw.below_minimum": "最低提现 {minimum:money} 积分。您要提现多少积分？",
    "withdraw.insufficient": "您的可用积分为 {points:money}。您要提现多少积分？",
    "withdraw.preview": (
        "提现 {points:money} 积分：\n价值：¥{gross:money}\n手续费：¥{fee:money}\n"
        "实得：¥{net:money}\n打款到：{account}\n\n确认吗？"
    ),
    "withdraw.cancelled": "已取消。",
    "withdraw.requested": (
        "已提交提现申请 {number}：{points:money} 积分，实得 ¥{net:money}（手续费 ¥{fee:money}）。\n"
        "运营人员审核后会通知您结果。/withdrawals 可查看状态。"
    ),
    "withdraw.approved": (
        "✅ 您的提现申请 {request}（{points:money} 积分）已批准：¥{net:money} "
        "将于下一个工作日打款到 {account}。"
    ),
    "withdraw.rejected": (
        "❌ 您的提现申请 {request}（{points:money} 积分）被驳回：{reason}\n积分已退回可用余额。"
    ),
    "withdrawals.empty": "您还没有提现申请。",
    "withdrawals.title": "💸 我的提现（最新在前）",
    "withdrawals.line": "{number} · {date} · {points:money} 积分 → ¥{net:money} · {status}",
    "withdrawals.status.pending": "⏳ 待审核",
    "withdrawals.status.approved": "✅ 已批准，下一个工作日打款",
    "withdrawals.status.batched": "🏦 打款中",
    "withdrawals.status.paid": "💰 已打款",
    "withdrawals.status.rejected": "❌ 已驳回",
    # -- 转赠
    "transfer.choose": (
        "🎁 要转赠积分给谁？（您有 {points:money} 可用积分。）\n"
        "点选下方的上级或下级，或发送对方的 @用户名、分享对方的联系人（📎 → 联系人），"
        "或粘贴对方的邀请链接或邀请码。发送 /cancel 取消。"
    ),
    "transfer.upline_button": "⬆️ {name}（我的上级）",
    "transfer.team_button": "👤 {name}",
    "transfer.unknown_recipient": (
        "找不到对应的会员。请发送 @用户名、邀请链接或邀请码，或分享对方的联系人（或发送 /cancel）。"
    ),
    "transfer.contact_unknown": "该联系人不是已注册会员。",
    "transfer.self": "不能转赠给自己。",
    "transfer.ask_amount": (
        "转赠多少积分给 {name}？您有 {points:money} 可用积分。\n"
        "可在数字后附上留言，例如 50 谢谢请客。"
    ),
    "transfer.placeholder": "例如 50 谢谢！",
    "transfer.not_amount": "请输入积分数量，例如 50 或 12.50（或发送 /cancel）。",
    "transfer.insufficient": "您的可用积分为 {points:money}。要转赠多少？",
    "transfer.preview": (
        "确认转赠 {points:money} 积分给 {name} 吗？\n转赠后您还有 {left:money} 可用积分，无法撤回。"
    ),
    "transfer.note": "留言：{note}",
    "transfer.cancelled": "已取消转赠。",
    "transfer.done": "✅ 已转赠 {points:money} 积分给 {name}。",
    "transfer.received": "🎁 {name} 转赠给您 {points:money} 积分。",
    # -- 语言
    "language.name": "简体中文",
    "language.choose": "请选择语言：",
    "language.set": "语言已设为简体中文。",
    # -- 运营
    "admin.refused": "抱歉，此命令仅限运营人员使用。",
    "admin.not_found": "找不到会员 {target}。",
    "admin.queue_empty": "没有待审核的提现申请。",
    "admin.queue_title": "🧾 待审核提现（第 {page} 页，最早在前）",
    "admin.request": (
        "{number}. {request} · {when}\n{name} · {phone}\n"
        "{points:money} 积分 → ¥{net:money}（手续费 ¥{fee:money}）\n打款到：{account}"
    ),
    "admin.approve": "✅ {number}",
    "admin.reject": "❌ {number}",
    "admin.approve_all": "✅ 批准本页全部 {count} 笔",
    "admin.previous": "« 上一页",
    "admin.next": "下一页 »",
    "admin.decided.approved": "   → 已由 {by} 批准",
    "admin.decided.batched": "   → 已由 {by} 批准，已进入打款批次",
    "admin.decided.paid": "   → 已打款",
    "admin.decided.rejected": "   → 已由 {by} 驳回",
    "admin.decided.pending": "   → 待审核",
    "admin.approved": "已批准 {request}。",
    "admin.approved_all": "已批准 {count} 笔。",
    "admin.reason_ask": (
        "驳回 {request}（{points:money} 积分）的原因是？会员会看到原因。请发送，或发送 /cancel。"
    ),
    "admin.reason_ask_again": "请发送驳回原因（或发送 /cancel）。",
    "admin.rejected": "已驳回 {request}：{reason}",
    "admin.freeze_usage": (
        "用法：/freeze 会员 或 /unfreeze 会员（会员号、邀请码、+手机号或 Telegram ID）"
    ),
    "admin.frozen": "{member} 已冻结。",
    "admin.unfrozen": "{member} 已解冻。",
    "admin.adjust_usage": "用法：/adjust 会员 +积分|-积分 原因（必须填写原因）",
    "admin.adjusted": "已为 {member} 调整 {delta:money} 积分。",
    "admin.lookup_usage": "用法：/lookup 会员（会员号、邀请码、+手机号或 Telegram ID）",
    "admin.member": (
        "会员 {member}（{name}）\nTelegram：{telegram_id}\n手机号：{phone}\n邀请码：{code}\n"
        "推荐人：{referrer}\n注册时间：{joined}\n冻结：{frozen}\n"
        "可用 {available:money} · 锁定 {locked:money} · 提现中 {withdrawing:money} · "
        "待付 ¥{payable:money}\n收款账户：{account}\n"
        "团队：{team_size} 人，业绩 ¥{team_volume:money}，等级 {level}"
    ),
    "admin.recent": "最近明细：",
    "ops.requests_waiting": "💸 有新的提现申请：{count} 笔待审核。/queue",
    # -- 他人操作引起的变动通知
    "notice.frozen": ("⚠️ 运营人员冻结了您的账户：暂停提现、转赠及积分抵扣。"),
    "notice.unfrozen": "✅ 您的账户已解冻。",
    "notice.adjusted_up": "➕ 运营人员为您的账户增加了 {points:money} 积分：{reason}",
    "notice.adjusted_down": "➖ 运营人员从您的账户扣除了 {points:money} 积分：{reason}",
    # -- 拒绝原因（每个稳定代码一条）
    "reject.invalid_event": "请求无效。",
    "reject.invalid_amount": "金额无效。",
    "reject.duplicate_member": "您已经注册过了。",
    "reject.unknown_referrer": "这个邀请码不属于任何会员。",
    "reject.unknown_member": "没有这个会员。请先发送 /start 注册。",
    "reject.duplicate_order": "该订单已记录。",
    "reject.deduction_limit": "抵扣积分超过了本套餐允许的上限。",
    "reject.frozen": "您的账户已冻结，暂时无法进行此操作。",
    "reject.insufficient_points": "可用积分不足。",
    "reject.below_minimum": "低于最低提现数额。",
    "reject.no_price": "积分暂无现金价值，无法提现。",
    "reject.not_found": "该申请已不存在。",
    "reject.not_pending": "该申请已处理。",
    "reject.already_registered": "该账户已注册。",
    "reject.phone_taken": "该手机号已注册了另一个账户。",
    "reject.busy": "系统繁忙，请稍后再试。",
    "reject.settlement_out_of_order": "该结算日期早于最近一次已结算的日期。",
    # -- 通知（通知发送器：提现进度、运营告警）
    "notice.withdrawal.approved": (
        "✅ 提现 {number} 已批准：{points:money} 积分，将打款 ¥{net:money}"
        "（手续费 ¥{fee:money}），下一个工作日到账。"
    ),
    "notice.withdrawal.rejected": "❌ 提现 {number} 未通过：{points:money} 积分已退回您的账户。",
    "notice.withdrawal.reason": "原因：{reason}",
    "notice.withdrawal.paid": "💰 提现 {number} 已打款：¥{net:money}。",
    # issue 16: the weekly digest (statements not sent the day they happened)
    "notice.digest.header": "🗓 本周（{first} – {last}）：入账 {points:+money} 积分",
    "notice.digest.days": "• 有释放的结算：{days} 次",
    "notice.digest.static": "• 锁定积分每日释放：{points:+money}",
    "notice.digest.paid": "• 分享与团队收益：{points:+money}",
    "notice.digest.pools": "• 分红池：{points:+money}",
    "notice.digest.forfeited": "• 超出锁定积分，未发放：{points:money}",
    "notice.digest.history_app": "每日结算明细请在小程序中查看：{url}",
    "notice.digest.history_bot": "每日结算明细：/history",
    "notice.operator.settlement_blocked": (
        "⚠️ {date} 的结算未能执行（受阻于 {detail}）。问题解决前会员不会入账（见 docs/operations."
        "md）。"
    ),
    "notice.operator.settlement_failed": (
        "🚨 {date} 的结算失败：{detail}。下次运行时会重试，请查看日志。"
    ),
    # -- plans (operators) and proof of liabilities
    "command.proof": ("核验我的余额已计入公布总额"),
    "proof.summary": ("您的 {points:money} 积分已包含在 {date} 公布的总额 {total:money} 之中。"),
    "proof.how": (
        "文件包含您的叶子节点、路径和当日的根哈希。可用独立校验程序"
        "（jifen_proof_verify.py，仅需 Python）对照公示板上公布的根哈希自行核验。"
    ),
    "proof.none": ("目前还没有公布的负债证明。每日结算后会公布一次。"),
    "proof.not_included": (
        "最近公布的证明（{date}）中还没有您：您是在那之后加入的。请在下次结算后再试。"
    ),
    "proof.unavailable": ("暂时无法生成您的证明，请稍后再试。"),
    "webapp.open": "打开积分小程序",
    "reject.effective_date_passed": ("新的奖金制度必须在最近一次已结算日之后生效。"),
    "reject.plan_changed": ("期间已有其他版本发布，请重新预览。"),
    "reject.plan_check_failed": ("制度检查不允许发布该方案。"),
    "plan.list_title": ("奖金制度版本（今日生效：v{current}）："),
    "plan.list_row": ("v{version} · {name} · 自 {effective_from} 起 · {operator}：{reason}"),
    "plan.from_start": ("最初"),
    "plan.show_usage": ("用法：/plan [版本号]（不填则为最新版本）"),
    "plan.show": (
        "制度 v{version}（{name}），自 {effective_from} 起生效，"
        "由 {operator} 发布：{reason}\n\n{text}"
    ),
    "plan.publish_usage": ("用法：/publish_plan YYYY-MM-DD 原因，然后在下面几行写出制度（YAML）。"),
    "plan.invalid": ("无法读取该制度：{error}"),
    "plan.preview": ("发布制度 v{version}（{name}），自 {effective_from} 起生效？\n原因：{reason}"),
    "plan.changes_title": ("相对 v{base} 的变动："),
    "plan.change": ("· {key}：{before} → {after}"),
    "plan.no_changes": ("与 v{base} 相比参数没有变动。"),
    "plan.findings_title": ("制度检查："),
    "plan.finding": ("· {severity} {code}{where}：{message}"),
    "plan.no_findings": ("制度检查：未发现问题。"),
    "plan.acknowledge": ("点击发布即表示已知悉以上警告。"),
    "plan.blocked": ("制度检查发现错误，该制度不能发布。"),
    "plan.publish": ("📢 发布"),
    "plan.cancelled": ("未发布。"),
    "plan.published": ("已发布制度 v{version}（{name}），自 {effective_from} 起生效。"),
    # -- engagement programs (issue 13): lottery, staking, catalog, roles
    "reject.program_off": "该活动目前未开放。",
    "reject.not_eligible": "您暂时不符合参与条件。",
    "reject.invalid_term": "没有这个期限可选。",
    "reject.no_entry": "该抽奖已不在排队中。",
    "reject.no_stake": "该上链已结束。",
    "reject.unknown_item": "兑换目录中没有该权益。",
    "reject.out_of_stock": "该权益已兑完。",
    "reject.limit_reached": "您兑换该权益的次数已达上限。",
    "reject.month_out_of_order": "月度结算须按顺序进行，更晚的月份已结算。",
    "reject.real_name_required": "请先添加实名的收款账户。",
    "history.kind.draw": "积分抽奖",
    "history.kind.lottery_exit": "退出抽奖排队",
    "history.kind.stake": "积分上链",
    "history.kind.unstake": "提前结束上链",
    "history.kind.redeem": "权益兑换",
    "history.kind.role": "身份变更",
    "history.kind.month_close": "月度佣金",
    "menu.programs": "🎯 活动",
    "command.programs": "抽奖、上链与权益兑换",
    "programs.title": "🎯 可参与的活动：",
    "programs.none": "目前没有进行中的活动。",
    "programs.lottery": "🎟 抽奖",
    "programs.staking": "⛓ 上链",
    "programs.catalog": "🎁 权益兑换",
    "lottery.title": "🎟 积分抽奖 — 奖池：{pool:money} 积分，已抽 {draws} 次",
    "lottery.rules": (
        "每次抽奖消耗 {cost:money} 积分（可用积分需不少于 {minimum:money}）。在您之后再有"
        " {every} 次抽奖且奖池够 {prize:money} 时，排队最早的一次中奖 {prize:money} 积分。"
    ),
    "lottery.free": "您有 {count} 次邀请获得的免费抽奖。",
    "lottery.entry": "• 您的第 {entry} 号抽奖排队中（花费 {paid:money}）",
    "lottery.no_entries": "您没有排队中的抽奖。",
    "lottery.draw_button": "🎟 抽奖",
    "lottery.exit_button": "↩️ 退出第 {entry} 号",
    "lottery.draw_preview": "花费 {cost:money} 积分抽奖？",
    "lottery.draw_preview_free": "使用一次免费抽奖？",
    "lottery.exit_preview": (
        "以第 {entry} 号抽奖退出排队？退还 {refund:money} 备用积分（仅可用于订单抵扣和权益兑换）。"
    ),
    "lottery.drawn": "🎟 您的第 {entry} 号抽奖已排队。奖池现有 {pool:money} 积分。",
    "lottery.won": "🎉 第 {entry} 号抽奖中奖 {prize:money} 积分。",
    "lottery.exited": "↩️ 第 {entry} 号抽奖已退出：已退还 {refund:money} 备用积分。",
    "lottery.cancelled": "未做任何更改。",
    "lottery.notice_won": "🎉 您的第 {entry} 号抽奖中奖 {prize:money} 积分！",
    "staking.title": "⛓ 积分上链 — 已上链 {staked:money} 积分",
    "staking.stake": "• 第 {stake} 笔：{points:money} 积分，还有 {left} 次结算，奖励 {rate}",
    "staking.none": "您没有进行中的上链。",
    "staking.usage": (
        "发送 /stake 积分 期限 上链（期限：{terms} 次结算）。您下一笔上链到期奖励 {rate}。"
    ),
    "staking.preview": (
        "上链 {points:money} 积分，期限 {term} 次结算？"
        "到期连本带 {rate} 奖励返还；提前结束扣除 {penalty}。"
    ),
    "staking.staked": "⛓ 第 {stake} 笔上链已开始：{points:money} 积分，期限 {term} 次结算。",
    "staking.end_button": "⏹ 提前结束第 {stake} 笔",
    "staking.end_preview": "现在结束第 {stake} 笔上链？本金扣除提前结束费用后返还，没有奖励。",
    "staking.ended": (
        "⏹ 第 {stake} 笔上链已结束：返还 {returned:money} 积分，扣除 {penalty:money}。"
    ),
    "staking.cancelled": "未做任何更改。",
    "catalog.title": "🎁 权益兑换 — 可用备用积分 {spare:money} + 积分 {available:money}",
    "catalog.item": "• {name}：{price:money} 积分（剩 {stock} 份）",
    "catalog.empty": "目前没有可兑换的权益。",
    "catalog.button": "{name} · {price:money}",
    "catalog.preview": "用 {price:money} 积分兑换 {name}？优先使用备用积分。",
    "catalog.redeemed": "🎁 已用 {price:money} 积分兑换 {name}。您的兑换码：{code}",
    "catalog.cancelled": "未兑换。",
    "catalog.list_usage": "用法：/list_item 编号 积分 库存 限兑次数 名称（限兑 0 为不限）",
    "catalog.listed": "已上架 {item}：{name}，{price:money} 积分，库存 {stock}。",
    "catalog.redemptions_title": "最近的兑换：",
    "catalog.redemption": "{item} #{number} · {member} · {price:money} · {code}",
    "catalog.no_redemptions": "暂无兑换。",
    "roles.promote_usage": "用法：/promote 会员 member|promoter|partner",
    "roles.promoted": "{member} 现为：{role}。",
    "roles.member": "会员",
    "roles.promoter": "推广员",
    "roles.partner": "合伙人",
    "command.list_item": "上架兑换权益",
    "command.redemptions": "最近的权益兑换",
    "command.promote": "设置会员身份",
    "history.spare": "备用积分 {points:+money}",
    "history.staked": "上链 {points:+money}",
    # economics (issue 12): refunds and debt
    "reject.unknown_order": "没有这个订单。",
    "reject.already_refunded": "该订单已经退款。",
    "reject.refund_window_closed": "该订单已过退款期限。",
    "reject.in_debt": "您因订单退款欠积分，新获得的积分会先用于抵扣。",
    "history.kind.refund": "订单退款",
    "economics.refund_title": "订单 {order} 退款：¥{cash:money}",
    "economics.debt": "您因订单退款欠 {points:money} 积分，新获得的积分会先用于抵扣。",
    "economics.refunded": (
        "已退款 {order}：{member} 退回 {points:money} 积分，收回 {clawed:money}，欠 {debt:money}。"
    ),
    "economics.refund_usage": "用法：/refund <订单号>",
    "economics.lookup_debt": "退款欠款：{points:money} 积分，佣金 ¥{commission:money}",
    "history.kind.gift": "转赠锁定积分",
    "economics.gift_usage": ("用法：/gift <邀请码、邀请链接或 @用户名>"),
    "economics.gift_none": ("您没有可转赠的锁定积分。"),
    "economics.gift_preview": (
        "将您最早的锁定积分（{points:money}，每日释放 {daily:money}）转赠给 {name}？\n"
        "对方将按原计划继续释放。此操作无法撤销。"
    ),
    "economics.gift_cancelled": ("已取消转赠。"),
    "economics.gift_done": ("✅ 已将 {points:money} 锁定积分转赠给 {name}。"),
    "economics.gift_received": ("🎁 {name} 转赠给您 {points:money} 锁定积分，将每日释放给您。"),
    "command.gift": "把最早的锁定积分转赠给会员",
    "command.refund": "订单退款（运营人员）",
    "balance.staked": "• 上链中，到期返还：{points:money}",
    "balance.spare": "• 备用积分（仅可抵扣订单和兑换）：{points:money}",
    "history.kind.region": "地区变更",
    "command.region": "设置或清除会员地区（分红池）",
    "admin.region_usage": "用法：/region 会员 地区（用 - 清除）",
    "admin.region_set": "{member} 的地区已设为 {region}。",
    "admin.region_cleared": "{member} 的地区已清除。",
}
