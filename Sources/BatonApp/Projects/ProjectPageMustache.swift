import Mustache

// The project page's people choices (one list of everyone for each member of the team)
// and the staffing grid's cells answer Mustache by name: through Mirror they were half
// of the page's CPU (perf, release build, the demo firm: the project page at 50-52 ms
// p95 against issue 19's 50). A name not answered here climbs to the enclosing context,
// as Mirror's does; ProjectPageMustacheTests holds every answer to Mirror's.

extension PersonOption: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "selected": selected
        default: nil
        }
    }
}

extension StaffingView.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "title": title
        case "band": band
        case "away": away
        case "overbooked": overbooked
        default: nil
        }
    }
}

extension StaffingView.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "detail": detail
        case "cells": cells
        default: nil
        }
    }
}

extension ProjectPage.Phase: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "name": self.name
        case "start": start
        case "due": due
        case "done": done
        case "state": state
        case "late": late
        case "open": open
        default: nil
        }
    }
}

extension ProjectPage.Item: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "text": text
        case "required": required
        case "checked": checked
        case "by": by
        default: nil
        }
    }
}

// The rest of the project page answers by name too (issue 19 item 11, the demo's
// project pages at 51-52 ms p95). Mirror was still 43% of the page's CPU (perf, release
// build of f75c026): each team member's and candidate's form reads `canManage`,
// `project.id`, `site` and `frame` from the page, and every one of those climbs through
// the member (or candidate and suggestion) and the page, each a Mirror walk over every
// stored property, before it reaches the value.

extension ProjectPage: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "project": project
        case "status": status
        case "manager": manager
        case "canManage": canManage
        case "phases": phases
        case "checklist": checklist
        case "needs": needs
        case "suggestions": suggestions
        case "assignments": assignments
        case "team": team
        case "site": site
        case "accountName": accountName
        case "seesPipeline": seesPipeline
        case "error": error
        case "liveLinks": liveLinks
        case "hasLiveLinks": hasLiveLinks
        case "newLinkURL": newLinkURL
        case "hasNewLink": hasNewLink
        case "linkForm": linkForm
        case "tasks": tasks
        case "timeOffCollisions": timeOffCollisions
        case "hasTimeOffCollisions": hasTimeOffCollisions
        case "editing": editing
        default: nil
        }
    }
}

extension ProjectPage.Member: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "version": version
        case "userName": userName
        case "role": role
        case "start": start
        case "end": end
        case "hoursPerDay": hoursPerDay
        case "hoursPerWeek": hoursPerWeek
        case "from": from
        case "to": to
        case "need": need
        case "hasNeed": hasNeed
        case "overbooked": overbooked
        case "people": people
        case "hasError": hasError
        case "error": error
        default: nil
        }
    }
}

extension ProjectPage.Suggestion: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "phaseId": phaseId
        case "phase": phase
        case "skill": skill
        case "hours": hours
        case "start": start
        case "end": end
        case "from": from
        case "to": to
        case "candidates": candidates
        default: nil
        }
    }
}

extension ProjectPage.Candidate: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "userId": userId
        case "name": self.name
        case "reasons": reasons
        case "key": key
        case "hours": hours
        case "allowOverbook": allowOverbook
        case "hasHoursError": hasHoursError
        case "hoursError": hoursError
        case "hasFormError": hasFormError
        case "formError": formError
        default: nil
        }
    }
}

extension ProjectPage.Need: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "phase": phase
        case "skill": skill
        case "hours": hours
        case "assigned": assigned
        case "covered": covered
        default: nil
        }
    }
}

extension ProjectPage.Editing: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "details": details
        case "phaseMove": phaseMove
        case "hasConflict": hasConflict
        case "conflict": conflict
        case "saveLabel": saveLabel
        case "canHold": canHold
        case "canResume": canResume
        default: nil
        }
    }
}

extension ProjectRecord: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "version": version
        case "name": self.name
        case "accountId": accountId
        case "opportunityId": opportunityId
        case "proposalId": proposalId
        case "projectManagerId": projectManagerId
        case "status": status
        case "start": start
        case "contractValue": contractValue
        case "completedOn": completedOn
        case "phases": phases
        case "checklist": checklist
        case "skillNeeds": skillNeeds
        case "budgetItems": budgetItems
        case "assignments": assignments
        case "createdAt": createdAt
        case "updatedAt": updatedAt
        default: nil
        }
    }
}

extension ProjectRecord.BudgetItem: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "description": description
        case "amount": amount
        default: nil
        }
    }
}

// The tasks part (`task-list`), on the project page and every record page that lists tasks.
extension TaskSection: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "rows": rows
        case "empty": empty
        case "newTask": newTask
        case "next": next
        default: nil
        }
    }
}

extension TaskRow: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "task": task
        case "due": due
        case "late": late
        case "about": about
        case "aboutHref": aboutHref
        case "hasAbout": hasAbout
        default: nil
        }
    }
}

extension OpenTask: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "accountID": accountID
        case "version": version
        case "subject": subject
        case "account": account
        case "owner": owner
        case "dueAt": dueAt
        case "opportunityID": opportunityID
        case "projectID": projectID
        case "contactID": contactID
        case "opportunity": opportunity
        case "project": project
        case "contact": contact
        default: nil
        }
    }
}
