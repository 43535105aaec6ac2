"""中文消息。键和 ``{占位符}`` 必须与 :mod:`bot.texts.en` 一致。"""

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
        "/transfer 邀请码 积分 – 转赠积分\n"
        "/language – 中文 / English"
    ),
    "command.balance": "积分余额、价值与最近结算",
    "command.history": "账户明细",
    "command.team": "我的团队与等级",
    "command.invite": "邀请链接和二维码",
    "command.shop": "购买套餐",
    "command.withdraw": "积分提现",
    "command.transfer": "转赠积分",
    "command.language": "中文 / English",
    "command.help": "功能说明",
    # -- 开始与注册
    "start.welcome": "欢迎来到积分平台，{name}！",
    "start.welcome_back": "欢迎回来，{name}！",
    "start.referrer_fixed": "您已注册，推荐人在注册时已确定，不会更改。",
    "start.invited_by": "您的邀请人是 {name}。",
    "start.bad_link": "这个邀请链接不完整。您仍可直接注册，或请朋友重新发送链接。",
    "start.unknown_code": "这个邀请码不属于任何会员。您仍可直接注册，或请朋友重新发送链接。",
    "start.share_prompt": "请点击下方按钮分享您的手机号完成注册。一个手机号只能注册一个账户。",
    "start.share_button": "📱 分享我的手机号",
    "register.first": "请先注册：发送 /start 并分享您的手机号。",
    "register.not_own": "这是别人的联系人。请用下方按钮分享您本人的手机号。",
    "register.already": "您已经注册过了。发送 /help 查看可用功能。",
    "register.phone_taken": (
        "该手机号已绑定另一个 Telegram 账户。一个手机号只能注册一个账户，请使用原账户。"
    ),
    "register.referrer_gone": (
        "您使用的邀请码已失效，已为您清除。请打开新的邀请链接，或再次分享手机号直接注册。"
    ),
    "register.bad_phone": "这看起来不是手机号，请使用按钮分享。",
    "register.done": "注册成功！您的邀请码是 {code}。发送 /invite 分享给朋友。",
    "register.referred_by": "您的推荐人：{name}。",
    # -- 邀请
    "invite.caption": "您的专属邀请链接：\n{link}\n\n转发此二维码或链接即可邀请好友。",
    # -- 余额
    "balance.title": "💰 我的积分",
    "balance.available": "可用：{points:money} 积分",
    "balance.locked": "锁定（每日释放）：{points:money} 积分",
    "balance.withdrawing": "提现中：{points:money} 积分",
    "balance.price": "当前积分价值：¥{price:money}，您的可用积分价值 ¥{value:money}",
    "balance.no_price": "积分暂无现金价值（尚无流通积分）。",
    "balance.frozen": "⚠️ 您的账户已冻结：暂停提现、转赠及积分抵扣。",
    "balance.no_settlement": "暂无结算记录。",
    "balance.settled_on": "最近一次结算（{date}）：共释放 {points:money} 积分",
    "balance.static": "• 静态释放：{points:money}",
    "balance.share": "• 分享收益（第 {generation} 代）：{points:money}",
    "balance.team": "• 团队级差：{points:money}",
    "balance.peer": "• 平级奖：{points:money}",
    "balance.paid": "• 加速释放（从锁定积分中支付）：{points:money}",
    "balance.forfeited": "• 封顶作废（锁定积分不足）：{points:money}",
    # -- 明细
    "history.title": "📜 账户明细（最新在前）",
    "history.empty": "您的账户还没有任何记录。",
    "history.entry": "#{seq} {when} {kind}",
    "history.available": "可用 {points:+money}",
    "history.locked": "锁定 {points:+money}",
    "history.withdrawing": "提现中 {points:+money}",
    "history.newer": "« 较新",
    "history.older": "较早 »",
    "history.kind.join": "注册",
    "history.kind.purchase": "购买",
    "history.kind.transfer": "转出积分",
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
    "team.direct_count": "我直接邀请的会员：{count} 人",
    "team.invitee": "• {name}",
    "team.more": "……另有 {count} 人",
    "team.size": "团队人数（所有代）：{count}",
    "team.volume": "团队业绩：¥{amount:money}",
    "team.level": "等级：{level}",
    "team.no_level": "暂无",
    "team.next": "下一等级 {level}：还差团队业绩 ¥{amount:money}（已完成 {percent}%）",
    "team.top": "您已达到最高等级。",
    "team.as_of": "团队数据在每日结算时更新。",
    # -- 商城
    "shop.title": "🛒 套餐（按实付现金赠送积分）：",
    "shop.package": "• ¥{amount:money} → {points:money} 积分",
    "shop.buy_button": "购买 ¥{amount:money}（{points:money} 积分）",
    "shop.deduct_button": "¥{amount:money}，用 {points:money} 积分抵扣",
    "shop.deduction_note": "积分可抵扣部分金额（1 积分 = ¥1）。",
    "shop.empty": "暂无可购买的套餐。",
    "shop.unavailable": "支付功能暂不可用，请稍后再试。",
    "shop.invoice_title": "套餐 ¥{amount:money}",
    "shop.invoice_cash": "¥{amount:money} 套餐；实付 ¥{cash:money}，获得 {granted:money} 积分。",
    "shop.invoice_points": (
        "¥{amount:money} 套餐：{points:money} 积分抵扣，实付 ¥{cash:money}。积分按实付现金赠送。"
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
    # -- 提现
    "withdraw.ask": "您要提现多少积分？",
    "withdraw.available": "可用：{points:money} 积分。请回复数字，或发送 /cancel 取消。",
    "withdraw.placeholder": "例如 100",
    "withdraw.not_amount": "请输入积分数量，例如 100 或 12.50（或发送 /cancel）。",
    "withdraw.below_minimum": "最低提现 {minimum:money} 积分。",
    "withdraw.preview": (
        "提现 {points:money} 积分：\n价值：¥{gross:money}\n手续费：¥{fee:money}\n"
        "实得：¥{net:money}\n\n确认吗？"
    ),
    "withdraw.cancelled": "已取消。",
    "withdraw.requested": (
        "已提交提现申请（编号 {request_id}）：{points:money} 积分，"
        "实得 ¥{net:money}（手续费 ¥{fee:money}）。\n"
        "运营人员审核后会通知您结果。"
    ),
    "withdraw.approved": (
        "✅ 您的提现申请 {request_id}（{points:money} 积分）已批准，¥{net:money} 将打款给您。"
    ),
    "withdraw.rejected": (
        "❌ 您的提现申请 {request_id}（{points:money} 积分）被驳回，积分已退回可用余额。"
    ),
    # -- 转赠
    "transfer.usage": "转赠积分：发送 /transfer 加对方邀请码和积分数，例如 /transfer AbC123xyz 50",
    "transfer.not_amount": "请输入积分数量，例如 50 或 12.50。",
    "transfer.unknown_code": "没有会员使用这个邀请码。",
    "transfer.self": "不能转赠给自己。",
    "transfer.preview": "确认转赠 {points:money} 积分给 {name}（{code}）吗？转赠后无法撤回。",
    "transfer.cancelled": "已取消转赠。",
    "transfer.done": "✅ 已转赠 {points:money} 积分。",
    # -- 语言
    "language.name": "中文",
    "language.choose": "请选择语言：",
    "language.set": "语言已设为中文。",
    # -- 运营
    "admin.refused": "抱歉，此命令仅限运营人员使用。",
    "admin.not_found": "找不到会员 {target}。",
    "admin.queue_empty": "没有待审核的提现申请。",
    "admin.request": (
        "提现申请 {request_id}\n会员：{member}\n积分：{points:money}\n"
        "实付现金：¥{net:money}（手续费 ¥{fee:money}）\n"
        "申请时间：{when}"
    ),
    "admin.approve": "✅ 批准",
    "admin.reject": "❌ 驳回",
    "admin.approved": "已批准 {member} 的申请 {request_id}。",
    "admin.rejected": "已驳回 {member} 的申请 {request_id}。",
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
        "待付 ¥{payable:money}\n"
        "团队：{team_size} 人，业绩 ¥{team_volume:money}，等级 {level}"
    ),
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
    # -- proof of liabilities (/proof)
    "command.proof": "核验我的余额已计入公布总额",
    "proof.summary": "您的 {points:money} 积分已包含在 {date} 公布的总额 {total:money} 之中。",
    "proof.how": (
        "文件包含您的叶子节点、路径和当日的根哈希。可用独立校验程序"
        "（jifen_proof_verify.py，仅需 Python）对照公示板上公布的根哈希自行核验。"
    ),
    "proof.none": "目前还没有公布的负债证明。每日结算后会公布一次。",
    "proof.not_included": (
        "最近公布的证明（{date}）中还没有您：您是在那之后加入的。请在下次结算后再试。"
    ),
    "proof.unavailable": "暂时无法生成您的证明，请稍后再试。",
    "reject.effective_date_passed": "新的奖金制度必须在最近一次已结算日之后生效。",
    "reject.plan_changed": "期间已有其他版本发布，请重新预览。",
    "reject.plan_check_failed": "制度检查不允许发布该方案。",
    # -- 通知（通知发送程序：结算明细、提现进度）
    "notice.settlement.title": "📊 {date} 积分结算",
    "notice.settlement.credited": "今日到账：{amount} 积分",
    "notice.settlement.static": "· 静态释放：{amount}",
    "notice.settlement.share": "· 分享收益：{amount}",
    "notice.settlement.team": "· 团队收益：{amount}",
    "notice.settlement.peer": "· 平级奖：{amount}",
    "notice.settlement.forfeited": "· 超出锁仓未发放：{amount}",
    "notice.withdrawal.approved": (
        "✅ 提现已批准：{points} 积分，实付 {net} 元（手续费 {fee} 元），将于下一个工作日到账。"
    ),
    "notice.withdrawal.rejected": "❌ 提现未通过：{points} 积分已退回您的账户。",
    "notice.withdrawal.reason": "原因：{reason}",
    "notice.withdrawal.paid": "💰 提现已打款：{net} 元。",
    # -- 奖金制度版本（运营：/plans、/plan、/publish_plan；bot/handlers/plans.py）
    "plan.list_title": "奖金制度版本（今日生效：v{current}）：",
    "plan.list_row": "v{version} · {name} · 自 {effective_from} 起 · {operator}：{reason}",
    "plan.from_start": "最初",
    "plan.show_usage": "用法：/plan [版本号]（不填则为最新版本）",
    "plan.show": (
        "制度 v{version}（{name}），自 {effective_from} 起生效，"
        "由 {operator} 发布：{reason}\n\n{text}"
    ),
    "plan.publish_usage": "用法：/publish_plan YYYY-MM-DD 原因，然后在下面几行写出制度（YAML）。",
    "plan.invalid": "无法读取该制度：{error}",
    "plan.preview": "发布制度 v{version}（{name}），自 {effective_from} 起生效？\n原因：{reason}",
    "plan.changes_title": "相对 v{base} 的变动：",
    "plan.change": "· {key}：{before} → {after}",
    "plan.no_changes": "与 v{base} 相比参数没有变动。",
    "plan.findings_title": "制度检查：",
    "plan.finding": "· {severity} {code}{where}：{message}",
    "plan.no_findings": "制度检查：未发现问题。",
    "plan.acknowledge": "点击发布即表示已知悉以上警告。",
    "plan.blocked": "制度检查发现错误，该制度不能发布。",
    "plan.publish": "📢 发布",
    "plan.cancelled": "未发布。",
    "plan.published": "已发布制度 v{version}（{name}），自 {effective_from} 起生效。",
}
