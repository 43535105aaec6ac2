"""繁體中文訊息（由簡體目錄以 OpenCC s2twp 轉換後人工校對）。

鍵和 ``{佔位符}`` 必須與 :mod:`bot.texts.en`、:mod:`bot.texts.zh` 一致。
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, str]] = {
    # -- 通用
    "someone": "一位會員",
    "yes": "是",
    "no": "否",
    "button.confirm": "✅ 確認",
    "button.cancel": "✖️ 取消",
    "button.expired": "此按鈕已失效，請重新開始。",
    "error.generic": "抱歉，系統出了點問題，請稍後再試。",
    "cancel.nothing": "當前沒有可取消的操作。",
    "cancel.done": "已取消。",
    "fallback.unknown_command": "沒有這個命令。傳送 /help 檢視可用功能。",
    "fallback.not_understood": "暫時無法處理這類訊息。傳送 /help 檢視可用功能。",
    "help.commands": (
        "可用功能：\n"
        "/balance – 積分餘額、價值及變動原因\n"
        "/history – 帳戶明細\n"
        "/team – 我邀請的會員與團隊等級\n"
        "/invite – 我的邀請連結和QR 碼\n"
        "/shop – 購買套餐\n"
        "/withdraw – 積分提現\n"
        "/withdrawals – 我的提現記錄與狀態\n"
        "/payout – 提現收款帳戶\n"
        "/transfer – 轉贈積分給其他會員\n"
        "/rules – 積分、檔位與獎勵規則\n"
        "/language – 簡體中文 / 繁體中文 / English\n"
        "/cancel – 取消當前操作"
    ),
    "help.operators": (
        "營運命令：\n"
        "/queue – 待稽核的提現申請\n"
        "/lookup 會員 – 會員帳戶與最近明細\n"
        "/adjust 會員 +積分|-積分 原因 – 調整可用積分\n"
        "/freeze 會員、/unfreeze 會員 – 暫停或恢復提現、轉贈和積分抵扣\n"
        "會員可以是會員號、邀請碼、+手機號或 Telegram ID。"
    ),
    "help.support": "需要幫助？請聯絡 {contact}。",
    "command.balance": "積分餘額、價值與最近結算",
    "command.history": "帳戶明細",
    "command.team": "我的團隊與等級",
    "command.invite": "邀請連結和QR 碼",
    "command.shop": "購買套餐",
    "command.withdraw": "積分提現",
    "command.withdrawals": "我的提現記錄",
    "command.payout": "提現收款帳戶",
    "command.transfer": "轉贈積分",
    "command.rules": "規則說明",
    "command.language": "簡體中文 / 繁體中文 / English",
    "command.help": "功能說明",
    "command.queue": "待稽核提現",
    "command.lookup": "查詢會員",
    "command.adjust": "調整會員積分",
    "command.freeze": "凍結會員",
    "command.unfreeze": "解凍會員",
    # -- 選單鍵盤
    "menu.hint": "請使用下方選單，或傳送 /help。",
    "menu.balance": "💰 餘額",
    "menu.history": "📜 明細",
    "menu.team": "👥 團隊",
    "menu.shop": "🛒 商城",
    "menu.withdraw": "💸 提現",
    "menu.transfer": "🎁 轉贈",
    "menu.invite": "📨 邀請",
    "menu.rules": "📘 規則",
    "menu.help": "❓ 幫助",
    # -- 開始與註冊
    "start.welcome": "歡迎來到積分平臺，{name}！",
    "start.welcome_back": "歡迎回來，{name}！",
    "start.referrer_fixed": "您已註冊，推薦人在註冊時已確定，不會更改。",
    "start.offer_transfer": "這是 {name} 的邀請連結。要轉贈積分給 TA 嗎？",
    "start.transfer_button": "🎁 轉贈積分給 {name}",
    "start.invited_by": "您的邀請人是 {name}。",
    "start.bad_link": "這個邀請連結不完整。您仍可直接註冊，或請朋友重新發送連結。",
    "start.unknown_code": "這個邀請碼不屬於任何會員。您仍可直接註冊，或請朋友重新發送連結。",
    "start.share_prompt": "請點選下方按鈕分享您的手機號完成註冊。一個手機號只能註冊一個帳戶。",
    "start.share_button": "📱 分享我的手機號",
    "register.first": "請先註冊：傳送 /start 並分享您的手機號。",
    "register.not_own": "這是別人的聯絡人。請用下方按鈕分享您本人的手機號。",
    "register.already": "您已經註冊過了。",
    "register.phone_taken": (
        "該手機號已繫結另一個 Telegram 帳戶。一個手機號只能註冊一個帳戶，請使用原帳戶。"
    ),
    "register.referrer_gone": (
        "您使用的邀請碼已失效，已為您清除。請開啟新的邀請連結，或再次分享手機號直接註冊。"
    ),
    "register.bad_phone": "這看起來不是手機號。請點選下方按鈕分享您的手機號。",
    "register.done": "註冊成功！您的邀請碼是 {code}。傳送 /invite 分享給朋友。",
    "register.referred_by": "您的推薦人：{name}。",
    # -- 邀請
    "invite.caption": "您的專屬邀請連結：\n{link}\n\n轉發此QR 碼或連結即可邀請好友。",
    # -- 餘額
    "balance.title": "💰 我的積分：{points:money} 積分",
    "balance.available": "• 可用：{points:money}",
    "balance.locked": "• 鎖定（每日釋放）：{points:money}",
    "balance.withdrawing": "• 提現中：{points:money}",
    "balance.commission": "已得佣金（現金）：¥{points:money}",
    "balance.payable": "待打款現金：¥{points:money}",
    "balance.price": "當前積分價值：¥{price:money}，您的可用積分價值 ¥{value:money}",
    "balance.no_price": "積分暫無現金價值（尚無流通積分）。",
    "balance.frozen": "⚠️ 您的帳戶已凍結：暫停提現、轉贈及積分抵扣。",
    "balance.no_settlement": "暫無結算記錄。",
    # -- 結算明細（/balance 與每日通知）
    "settled.header": "📊 {date} 結算：入帳 {points:+money} 積分",
    "settled.static": "• 鎖定積分每日釋放：{points:+money}",
    "settled.share": "• 第 {generation} 代分享收益：{points:+money}",
    "settled.team": "• 團隊獎勵：{points:+money}",
    "settled.peer": "• 平級獎：{points:+money}",
    "settled.forfeited": "• 超出鎖定積分，未發放：{points:money}",
    "settled.forfeited_why": (
        "  獎勵從您自己的鎖定積分中發放。購買套餐鎖定更多積分，即可領取更多獎勵。"
    ),
    # -- 明細
    "history.title": "📜 帳戶明細（最新在前）",
    "history.empty": "您的帳戶還沒有任何記錄。",
    "history.entry": "{when} · {what}",
    "history.available": "可用 {points:+money}",
    "history.locked": "鎖定 {points:+money}",
    "history.withdrawing": "提現中 {points:+money}",
    "history.commission": "佣金 ¥{points:+money}",
    "history.note": "“{note}”",
    "history.by": "操作人 {operator}",
    "history.newest": "« 最新",
    "history.older": "較早 »",
    "history.transfer_out": "轉贈給 {name}",
    "history.transfer_in": "收到 {name} 的轉贈",
    "history.commission_in": "{name} 購買的佣金",
    "history.purchase": "購買：套餐 ¥{amount:money}，實付 ¥{cash:money}",
    "history.purchase_points": (
        "購買：套餐 ¥{amount:money}，實付 ¥{cash:money}，積分抵扣 {points:money}"
    ),
    "history.settlement": "{date} 每日結算",
    "history.adjustment": "營運調整：{reason}",
    "history.kind.join": "註冊",
    "history.kind.purchase": "購買",
    "history.kind.transfer": "轉贈",
    "history.kind.withdrawal_requested": "申請提現",
    "history.kind.withdrawal_approved": "提現已批准",
    "history.kind.withdrawal_rejected": "提現被駁回",
    "history.kind.withdrawal_paid": "提現已打款",
    "history.kind.settlement": "每日結算",
    "history.kind.adjustment": "營運調整",
    "history.kind.freeze": "帳戶凍結",
    "history.kind.unfreeze": "帳戶解凍",
    # -- 團隊
    "team.title": "👥 我的團隊",
    "team.direct_count": "我直接邀請：{count} 人",
    "team.invitee": "• {name} · {joined} 加入 · 消費 ¥{bought:money} · 邀請 {invited} 人",
    "team.more": "……另有 {count} 人",
    "team.second": "他們邀請的（第 2 代）：{count} 人",
    "team.not_settled": "團隊人數和業績在每日結算時統計（暫無結算）。",
    "team.as_of": "截至最近一次結算（{date}），所有代：",
    "team.size": "團隊人數：{count}",
    "team.volume": "團隊業績：¥{amount:money}",
    "team.level": "等級：{level}",
    "team.no_level": "暫無",
    "team.next": "下一等級 {level}：還差團隊業績 ¥{amount:money}（已完成 {percent}%）",
    "team.top": "您已達到最高等級。",
    "level.bronze": "青銅",
    "level.silver": "白銀",
    "level.gold": "黃金",
    "level.platinum": "鉑金",
    "level.diamond": "鑽石",
    "level.star": "星耀",
    "level.king": "王者",
    # -- 規則
    "rules.title": "📘 規則說明",
    "rules.tiers": "套餐：按實付現金所在檔位贈送積分：",
    "rules.tier": "• 實付 ¥{minimum:money} 起：× {multiplier} 倍積分",
    "rules.ratio": "套餐：每實付 ¥1.00 贈送 {points:money} 積分。",
    "rules.daily": "贈送的積分先鎖定，每天按實付現金的 {rate} 釋放，直至全部釋放。",
    "rules.immediate": "贈送的積分立即可用。",
    "rules.generation": "第 {generation} 代 {rate}",
    "rules.share": "分享收益：您邀請的會員每日釋放積分時，您獲得其中的 {rates}。",
    "rules.levels": "團隊等級（按所有代的團隊業績）及團隊獎勵比例：",
    "rules.level": "• {name}：¥{minimum:money} 起，{rate}",
    "rules.peer": "平級獎：下級達到與您相同等級時，您獲得 {rate}。",
    "rules.cap": "分享和團隊獎勵從您自己的鎖定積分中發放，超出部分不發放。購買套餐可保持鎖定積分。",
    "rules.price_fixed": "積分價值：1 積分 = ¥{price:money}。",
    "rules.price_reserve": "積分價值：儲備金 ÷ 流通積分，當前 ¥{price:money}。",
    "rules.price_reserve_none": "積分價值：有流通積分後由儲備金決定。",
    "rules.deduction": "積分最多可抵扣套餐金額的 {rate}（1 積分 = ¥1）；檔位只按實付現金計算。",
    "rules.commission": "下級購買佣金：{rates}。",
    "rules.withdrawal": (
        "提現：手續費 {rate}，最低 {minimum:money} 積分；營運稽核後於下一個工作日打款。"
    ),
    # -- 商城
    "shop.title": "🛒 套餐（按實付現金贈送積分）：",
    "shop.package": "• ¥{amount:money} → {points:money} 積分",
    "shop.split": "   用 {points:money} 積分抵扣：實付 ¥{cash:money}，獲得 {granted:money} 積分",
    "shop.split_drops": (
        "   ⚠️ 用 {points:money} 積分抵扣則實付 ¥{cash:money}，低於 ¥{minimum:money} 檔位："
        "只獲得 {granted:money} 積分"
    ),
    "shop.buy_button": "¥{amount:money} → {points:money} 積分",
    "shop.split_button": "¥{amount:money} 用 {points:money} 積分抵扣 → {granted:money} 積分",
    "shop.split_button_drops": "⚠️ ¥{amount:money} 用 {points:money} 積分抵扣 → 僅 {granted:money}",
    "shop.deduction_note": "積分可抵扣部分金額（1 積分 = ¥1）。",
    "shop.empty": "暫無可購買的套餐。",
    "shop.unavailable": "支付功能暫不可用，請稍後再試。",
    "shop.invoice_title": "套餐 ¥{amount:money}",
    "shop.invoice_cash": "¥{amount:money} 套餐：實付 ¥{cash:money}，獲得 {granted:money} 積分。",
    "shop.invoice_points": (
        "¥{amount:money} 套餐：{points:money} 積分抵扣，實付 ¥{cash:money}，"
        "獲得 {granted:money} 積分。"
    ),
    "shop.invoice_drops": (
        "¥{amount:money} 套餐：{points:money} 積分抵扣，實付 ¥{cash:money}。"
        "⚠️ 實付低於 ¥{minimum:money} 檔位：只獲得 {granted:money} 積分，"
        "全額現金支付可獲得 {full:money} 積分。"
    ),
    "shop.price_label": "套餐",
    "shop.invoice_invalid": "該帳單已失效，請重新開啟 /shop。",
    "shop.payment_unmatched": (
        "我們已收到您的付款，但無法匹配到套餐。營運人員會處理，請勿重複付款。"
    ),
    "shop.paid": (
        "✅ 付款成功：套餐 ¥{amount:money}，實付 ¥{cash:money}，使用積分 {points:money}。\n"
        "獲得 {granted:money} 積分。"
    ),
    "shop.paid_locked": "積分已鎖定，每日釋放 {daily:money} 積分。",
    "shop.points_refused": "您的積分已無法抵扣（已被使用或帳戶已凍結），本單按實付現金計算。",
    # -- 收款帳戶
    "payout.none": "尚未設定",
    "payout.account": "{method} {number}（{name}）",
    "payout.method.bank": "銀行卡",
    "payout.method.alipay": "支付寶",
    "payout.method.wechat": "微信",
    "payout.choose": "提現打款到哪裡？",
    "payout.none_yet": "您還沒有設定收款帳戶。",
    "payout.changing": "請選擇新的收款帳戶。",
    "payout.current": "提現打款到：{account}",
    "payout.change": "✏️ 修改",
    "payout.ask.bank": (
        "{method}：請在一條訊息中傳送開戶人姓名和卡號，例如 張三 6222 0212 3456 7890"
        "（或傳送 /cancel）。"
    ),
    "payout.ask.alipay": (
        "{method}：請傳送帳戶姓名和支付寶手機號或電子郵件，例如 張三 13800000000（或傳送 /cancel"
        "）。"
    ),
    "payout.ask.wechat": (
        "{method}：請傳送帳戶姓名和微信 ID或手機號，例如 張三 zhangsan_88（或傳送 /cancel）。"
    ),
    "payout.bad.bank": "請傳送姓名和 12–19 位卡號，例如 張三 6222 0212 3456 7890。",
    "payout.bad.alipay": "請傳送姓名和支付寶手機號或電子郵件，例如 張三 13800000000。",
    "payout.bad.wechat": "請傳送姓名和微信 ID（6–20 位字母、數字、_ 或 -，以字母開頭）或手機號。",
    "payout.saved": "已儲存：{account}。隨時可用 /payout 修改。",
    # -- 提現
    "withdraw.account_first": "請先告訴我提現打款到哪裡。",
    "withdraw.ask": "您要提現多少積分？",
    "withdraw.available": "可用：{points:money} 積分。請回複數字，或傳送 /cancel 取消。",
    "withdraw.paid_to": "打款到：{account}（/payout 修改）",
    "withdraw.placeholder": "例如 100",
    "withdraw.not_amount": "請輸入積分數量，例如 100 或 12.50（或傳送 /cancel）。",
    "withdraw.below_minimum": "最低提現 {minimum:money} 積分。您要提現多少積分？",
    "withdraw.insufficient": "您的可用積分為 {points:money}。您要提現多少積分？",
    "withdraw.preview": (
        "提現 {points:money} 積分：\n價值：¥{gross:money}\n手續費：¥{fee:money}\n"
        "實得：¥{net:money}\n打款到：{account}\n\n確認嗎？"
    ),
    "withdraw.cancelled": "已取消。",
    "withdraw.requested": (
        "已提交提現申請 {number}：{points:money} 積分，實得 ¥{net:money}（手續費 ¥{fee:money}）。\n"
        "營運人員稽核後會通知您結果。/withdrawals 可檢視狀態。"
    ),
    "withdraw.approved": (
        "✅ 您的提現申請 {request}（{points:money} 積分）已批准：¥{net:money} "
        "將於下一個工作日打款到 {account}。"
    ),
    "withdraw.rejected": (
        "❌ 您的提現申請 {request}（{points:money} 積分）被駁回：{reason}\n積分已退回可用餘額。"
    ),
    "withdrawals.empty": "您還沒有提現申請。",
    "withdrawals.title": "💸 我的提現（最新在前）",
    "withdrawals.line": "{number} · {date} · {points:money} 積分 → ¥{net:money} · {status}",
    "withdrawals.status.pending": "⏳ 待稽核",
    "withdrawals.status.approved": "✅ 已批准，下一個工作日打款",
    "withdrawals.status.batched": "🏦 打款中",
    "withdrawals.status.paid": "💰 已打款",
    "withdrawals.status.rejected": "❌ 已駁回",
    # -- 轉贈
    "transfer.choose": (
        "🎁 要轉贈積分給誰？（您有 {points:money} 可用積分。）\n"
        "點選下方的上級或下級，或傳送對方的 @使用者名稱、分享對方的聯絡人（📎 → 聯絡人），"
        "或貼上對方的邀請連結或邀請碼。傳送 /cancel 取消。"
    ),
    "transfer.upline_button": "⬆️ {name}（我的上級）",
    "transfer.team_button": "👤 {name}",
    "transfer.unknown_recipient": (
        "找不到對應的會員。請傳送 @使用者名稱、邀請連結或邀請碼，或分享對方的聯絡人（或傳送 /canc"
        "el）。"
    ),
    "transfer.contact_unknown": "該聯絡人不是已註冊會員。",
    "transfer.self": "不能轉贈給自己。",
    "transfer.ask_amount": (
        "轉贈多少積分給 {name}？您有 {points:money} 可用積分。\n"
        "可在數字後附上留言，例如 50 謝謝請客。"
    ),
    "transfer.placeholder": "例如 50 謝謝！",
    "transfer.not_amount": "請輸入積分數量，例如 50 或 12.50（或傳送 /cancel）。",
    "transfer.insufficient": "您的可用積分為 {points:money}。要轉贈多少？",
    "transfer.preview": (
        "確認轉贈 {points:money} 積分給 {name} 嗎？\n轉贈後您還有 {left:money} 可用積分，無法撤回。"
    ),
    "transfer.note": "留言：{note}",
    "transfer.cancelled": "已取消轉贈。",
    "transfer.done": "✅ 已轉贈 {points:money} 積分給 {name}。",
    "transfer.received": "🎁 {name} 轉贈給您 {points:money} 積分。",
    # -- 語言
    "language.name": "繁體中文",
    "language.choose": "請選擇語言：",
    "language.set": "語言已設為繁體中文。",
    # -- 營運
    "admin.refused": "抱歉，此命令僅限營運人員使用。",
    "admin.not_found": "找不到會員 {target}。",
    "admin.queue_empty": "沒有待稽核的提現申請。",
    "admin.queue_title": "🧾 待稽核提現（第 {page} 頁，最早在前）",
    "admin.request": (
        "{number}. {request} · {when}\n{name} · {phone}\n"
        "{points:money} 積分 → ¥{net:money}（手續費 ¥{fee:money}）\n打款到：{account}"
    ),
    "admin.approve": "✅ {number}",
    "admin.reject": "❌ {number}",
    "admin.approve_all": "✅ 批准本頁全部 {count} 筆",
    "admin.previous": "« 上一頁",
    "admin.next": "下一頁 »",
    "admin.decided.approved": "   → 已由 {by} 批准",
    "admin.decided.batched": "   → 已由 {by} 批准，已進入打款批次",
    "admin.decided.paid": "   → 已打款",
    "admin.decided.rejected": "   → 已由 {by} 駁回",
    "admin.decided.pending": "   → 待稽核",
    "admin.approved": "已批准 {request}。",
    "admin.approved_all": "已批准 {count} 筆。",
    "admin.reason_ask": (
        "駁回 {request}（{points:money} 積分）的原因是？會員會看到原因。請傳送，或傳送 /cancel。"
    ),
    "admin.reason_ask_again": "請傳送駁回原因（或傳送 /cancel）。",
    "admin.rejected": "已駁回 {request}：{reason}",
    "admin.freeze_usage": (
        "用法：/freeze 會員 或 /unfreeze 會員（會員號、邀請碼、+手機號或 Telegram ID）"
    ),
    "admin.frozen": "{member} 已凍結。",
    "admin.unfrozen": "{member} 已解凍。",
    "admin.adjust_usage": "用法：/adjust 會員 +積分|-積分 原因（必須填寫原因）",
    "admin.adjusted": "已為 {member} 調整 {delta:money} 積分。",
    "admin.lookup_usage": "用法：/lookup 會員（會員號、邀請碼、+手機號或 Telegram ID）",
    "admin.member": (
        "會員 {member}（{name}）\nTelegram：{telegram_id}\n手機號：{phone}\n邀請碼：{code}\n"
        "推薦人：{referrer}\n註冊時間：{joined}\n凍結：{frozen}\n"
        "可用 {available:money} · 鎖定 {locked:money} · 提現中 {withdrawing:money} · "
        "待付 ¥{payable:money}\n收款帳戶：{account}\n"
        "團隊：{team_size} 人，業績 ¥{team_volume:money}，等級 {level}"
    ),
    "admin.recent": "最近明細：",
    "ops.requests_waiting": "💸 有新的提現申請：{count} 筆待稽核。/queue",
    # -- 他人操作引起的變動通知
    "notice.frozen": ("⚠️ 營運人員凍結了您的帳戶：暫停提現、轉贈及積分抵扣。"),
    "notice.unfrozen": "✅ 您的帳戶已解凍。",
    "notice.adjusted_up": "➕ 營運人員為您的帳戶增加了 {points:money} 積分：{reason}",
    "notice.adjusted_down": "➖ 營運人員從您的帳戶扣除了 {points:money} 積分：{reason}",
    # -- 拒絕原因（每個穩定程式碼一條）
    "reject.invalid_event": "請求無效。",
    "reject.invalid_amount": "金額無效。",
    "reject.duplicate_member": "您已經註冊過了。",
    "reject.unknown_referrer": "這個邀請碼不屬於任何會員。",
    "reject.unknown_member": "沒有這個會員。請先發送 /start 註冊。",
    "reject.duplicate_order": "該訂單已記錄。",
    "reject.deduction_limit": "抵扣積分超過了本套餐允許的上限。",
    "reject.frozen": "您的帳戶已凍結，暫時無法進行此操作。",
    "reject.insufficient_points": "可用積分不足。",
    "reject.below_minimum": "低於最低提現數額。",
    "reject.no_price": "積分暫無現金價值，無法提現。",
    "reject.not_found": "該申請已不存在。",
    "reject.not_pending": "該申請已處理。",
    "reject.already_registered": "該帳戶已註冊。",
    "reject.phone_taken": "該手機號已註冊了另一個帳戶。",
    "reject.busy": "系統繁忙，請稍後再試。",
    "reject.settlement_out_of_order": "該結算日期早於最近一次已結算的日期。",
    # -- 通知（通知傳送器：提現進度、營運告警）
    "notice.withdrawal.approved": (
        "✅ 提現 {number} 已批准：{points:money} 積分，將打款 ¥{net:money}"
        "（手續費 ¥{fee:money}），下一個工作日到賬。"
    ),
    "notice.withdrawal.rejected": "❌ 提現 {number} 未通過：{points:money} 積分已退回您的帳戶。",
    "notice.withdrawal.reason": "原因：{reason}",
    "notice.withdrawal.paid": "💰 提現 {number} 已打款：¥{net:money}。",
    # issue 16: the weekly digest (statements not sent the day they happened)
    "notice.digest.header": "🗓 本週（{first} – {last}）：入帳 {points:+money} 積分",
    "notice.digest.days": "• 有釋放的結算：{days} 次",
    "notice.digest.static": "• 鎖定積分每日釋放：{points:+money}",
    "notice.digest.paid": "• 分享與團隊收益：{points:+money}",
    "notice.digest.pools": "• 分紅池：{points:+money}",
    "notice.digest.forfeited": "• 超出鎖定積分，未發放：{points:money}",
    "notice.digest.history_app": "每日結算明細請在小程式中查看：{url}",
    "notice.digest.history_bot": "每日結算明細：/history",
    "notice.operator.settlement_blocked": (
        "⚠️ {date} 的結算未能執行（受阻於 {detail}）。問題解決前會員不會入帳（見 docs/operations."
        "md）。"
    ),
    "notice.operator.settlement_failed": (
        "🚨 {date} 的結算失敗：{detail}。下次執行時會重試，請檢視日誌。"
    ),
    # -- plans (operators) and proof of liabilities
    "command.proof": ("覈驗我的餘額已計入公佈總額"),
    "proof.summary": ("您的 {points:money} 積分已包含在 {date} 公佈的總額 {total:money} 之中。"),
    "proof.how": (
        "文件包含您的葉子節點、路徑和當日的根哈希。可用獨立校驗程序"
        "（jifen_proof_verify.py，僅需 Python）對照公示板上公佈的根哈希自行覈驗。"
    ),
    "proof.none": ("目前還沒有公佈的負債證明。每日結算後會公佈一次。"),
    "proof.not_included": (
        "最近公佈的證明（{date}）中還沒有您：您是在那之後加入的。請在下次結算後再試。"
    ),
    "proof.unavailable": ("暫時無法生成您的證明，請稍後再試。"),
    "webapp.open": "打開積分小程序",
    "reject.effective_date_passed": ("新的獎金制度必須在最近一次已結算日之後生效。"),
    "reject.plan_changed": ("期間已有其他版本發佈，請重新預覽。"),
    "reject.plan_check_failed": ("制度檢查不允許發佈該方案。"),
    "plan.list_title": ("獎金制度版本（今日生效：v{current}）："),
    "plan.list_row": ("v{version} · {name} · 自 {effective_from} 起 · {operator}：{reason}"),
    "plan.from_start": ("最初"),
    "plan.show_usage": ("用法：/plan [版本號]（不填則爲最新版本）"),
    "plan.show": (
        "制度 v{version}（{name}），自 {effective_from} 起生效，"
        "由 {operator} 發佈：{reason}\n\n{text}"
    ),
    "plan.publish_usage": ("用法：/publish_plan YYYY-MM-DD 原因，然後在下面幾行寫出制度（YAML）。"),
    "plan.invalid": ("無法讀取該制度：{error}"),
    "plan.preview": ("發佈制度 v{version}（{name}），自 {effective_from} 起生效？\n原因：{reason}"),
    "plan.changes_title": ("相對 v{base} 的變動："),
    "plan.change": ("· {key}：{before} → {after}"),
    "plan.no_changes": ("與 v{base} 相比參數沒有變動。"),
    "plan.findings_title": ("制度檢查："),
    "plan.finding": ("· {severity} {code}{where}：{message}"),
    "plan.no_findings": ("制度檢查：未發現問題。"),
    "plan.acknowledge": ("點擊發布即表示已知悉以上警告。"),
    "plan.blocked": ("制度檢查發現錯誤，該制度不能發佈。"),
    "plan.publish": ("📢 發佈"),
    "plan.cancelled": ("未發佈。"),
    "plan.published": ("已發佈制度 v{version}（{name}），自 {effective_from} 起生效。"),
    # -- engagement programs (issue 13): lottery, staking, catalog, roles
    "reject.program_off": "該活動目前未開放。",
    "reject.not_eligible": "您暫時不符合參與條件。",
    "reject.invalid_term": "沒有這個期限可選。",
    "reject.no_entry": "該抽獎已不在排隊中。",
    "reject.no_stake": "該上鏈已結束。",
    "reject.unknown_item": "兌換目錄中沒有該權益。",
    "reject.out_of_stock": "該權益已兌完。",
    "reject.limit_reached": "您兌換該權益的次數已達上限。",
    "reject.month_out_of_order": "月度結算須按順序進行，更晚的月份已結算。",
    "reject.real_name_required": "請先添加實名的收款帳戶。",
    "history.kind.draw": "積分抽獎",
    "history.kind.lottery_exit": "退出抽獎排隊",
    "history.kind.stake": "積分上鏈",
    "history.kind.unstake": "提前結束上鏈",
    "history.kind.redeem": "權益兌換",
    "history.kind.role": "身份變更",
    "history.kind.month_close": "月度佣金",
    "menu.programs": "🎯 活動",
    "command.programs": "抽獎、上鏈與權益兌換",
    "programs.title": "🎯 可參與的活動：",
    "programs.none": "目前沒有進行中的活動。",
    "programs.lottery": "🎟 抽獎",
    "programs.staking": "⛓ 上鏈",
    "programs.catalog": "🎁 權益兌換",
    "lottery.title": "🎟 積分抽獎 — 獎池：{pool:money} 積分，已抽 {draws} 次",
    "lottery.rules": (
        "每次抽獎消耗 {cost:money} 積分（可用積分需不少於 {minimum:money}）。在您之後再有"
        " {every} 次抽獎且獎池夠 {prize:money} 時，排隊最早的一次中獎 {prize:money} 積分。"
    ),
    "lottery.free": "您有 {count} 次邀請獲得的免費抽獎。",
    "lottery.entry": "• 您的第 {entry} 號抽獎排隊中（花費 {paid:money}）",
    "lottery.no_entries": "您沒有排隊中的抽獎。",
    "lottery.draw_button": "🎟 抽獎",
    "lottery.exit_button": "↩️ 退出第 {entry} 號",
    "lottery.draw_preview": "花費 {cost:money} 積分抽獎？",
    "lottery.draw_preview_free": "使用一次免費抽獎？",
    "lottery.exit_preview": (
        "以第 {entry} 號抽獎退出排隊？退還 {refund:money} 備用積分（僅可用於訂單抵扣和權益兌換）。"
    ),
    "lottery.drawn": "🎟 您的第 {entry} 號抽獎已排隊。獎池現有 {pool:money} 積分。",
    "lottery.won": "🎉 第 {entry} 號抽獎中獎 {prize:money} 積分。",
    "lottery.exited": "↩️ 第 {entry} 號抽獎已退出：已退還 {refund:money} 備用積分。",
    "lottery.cancelled": "未做任何更改。",
    "lottery.notice_won": "🎉 您的第 {entry} 號抽獎中獎 {prize:money} 積分！",
    "staking.title": "⛓ 積分上鏈 — 已上鏈 {staked:money} 積分",
    "staking.stake": "• 第 {stake} 筆：{points:money} 積分，還有 {left} 次結算，獎勵 {rate}",
    "staking.none": "您沒有進行中的上鏈。",
    "staking.usage": (
        "發送 /stake 積分 期限 上鏈（期限：{terms} 次結算）。您下一筆上鏈到期獎勵 {rate}。"
    ),
    "staking.preview": (
        "上鏈 {points:money} 積分，期限 {term} 次結算？"
        "到期連本帶 {rate} 獎勵返還；提前結束扣除 {penalty}。"
    ),
    "staking.staked": "⛓ 第 {stake} 筆上鏈已開始：{points:money} 積分，期限 {term} 次結算。",
    "staking.end_button": "⏹ 提前結束第 {stake} 筆",
    "staking.end_preview": "現在結束第 {stake} 筆上鏈？本金扣除提前結束費用後返還，沒有獎勵。",
    "staking.ended": (
        "⏹ 第 {stake} 筆上鏈已結束：返還 {returned:money} 積分，扣除 {penalty:money}。"
    ),
    "staking.cancelled": "未做任何更改。",
    "catalog.title": "🎁 權益兌換 — 可用備用積分 {spare:money} + 積分 {available:money}",
    "catalog.item": "• {name}：{price:money} 積分（剩 {stock} 份）",
    "catalog.empty": "目前沒有可兌換的權益。",
    "catalog.button": "{name} · {price:money}",
    "catalog.preview": "用 {price:money} 積分兌換 {name}？優先使用備用積分。",
    "catalog.redeemed": "🎁 已用 {price:money} 積分兌換 {name}。您的兌換碼：{code}",
    "catalog.cancelled": "未兌換。",
    "catalog.list_usage": "用法：/list_item 編號 積分 庫存 限兌次數 名稱（限兌 0 為不限）",
    "catalog.listed": "已上架 {item}：{name}，{price:money} 積分，庫存 {stock}。",
    "catalog.redemptions_title": "最近的兌換：",
    "catalog.redemption": "{item} #{number} · {member} · {price:money} · {code}",
    "catalog.no_redemptions": "暫無兌換。",
    "roles.promote_usage": "用法：/promote 會員 member|promoter|partner",
    "roles.promoted": "{member} 現為：{role}。",
    "roles.member": "會員",
    "roles.promoter": "推廣員",
    "roles.partner": "合夥人",
    "command.list_item": "上架兌換權益",
    "command.redemptions": "最近的權益兌換",
    "command.promote": "設定會員身份",
    "history.spare": "備用積分 {points:+money}",
    "history.staked": "上鏈 {points:+money}",
    # economics (issue 12): refunds and debt
    "reject.unknown_order": "沒有這個訂單。",
    "reject.already_refunded": "該訂單已經退款。",
    "reject.refund_window_closed": "該訂單已過退款期限。",
    "reject.in_debt": "您因訂單退款欠積分，新獲得的積分會先用於抵扣。",
    "history.kind.refund": "訂單退款",
    "economics.refund_title": "訂單 {order} 退款：¥{cash:money}",
    "economics.debt": "您因訂單退款欠 {points:money} 積分，新獲得的積分會先用於抵扣。",
    "economics.refunded": (
        "已退款 {order}：{member} 退回 {points:money} 積分，收回 {clawed:money}，欠 {debt:money}。"
    ),
    "economics.refund_usage": "用法：/refund <訂單號>",
    "economics.lookup_debt": "退款欠款：{points:money} 積分，佣金 ¥{commission:money}",
    "history.kind.gift": "轉贈鎖定積分",
    "economics.gift_usage": ("用法：/gift <邀請碼、邀請連結或 @用戶名>"),
    "economics.gift_none": ("您沒有可轉贈的鎖定積分。"),
    "economics.gift_preview": (
        "將您最早的鎖定積分（{points:money}，每日釋放 {daily:money}）轉贈給 {name}？\n"
        "對方將按原計劃繼續釋放。此操作無法撤銷。"
    ),
    "economics.gift_cancelled": ("已取消轉贈。"),
    "economics.gift_done": ("✅ 已將 {points:money} 鎖定積分轉贈給 {name}。"),
    "economics.gift_received": ("🎁 {name} 轉贈給您 {points:money} 鎖定積分，將每日釋放給您。"),
    "command.gift": "把最早的鎖定積分轉贈給會員",
    "command.refund": "訂單退款（營運人員）",
    "balance.staked": "• 上鏈中，到期返還：{points:money}",
    "balance.spare": "• 備用積分（僅可抵扣訂單和兌換）：{points:money}",
    "history.kind.region": "地區變更",
    "command.region": "設定或清除會員地區（分紅池）",
    "admin.region_usage": "用法：/region 會員 地區（用 - 清除）",
    "admin.region_set": "{member} 的地區已設為 {region}。",
    "admin.region_cleared": "{member} 的地區已清除。",
}
